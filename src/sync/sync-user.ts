/** One run for one user: pull entries → bucket per local day → plan against the ledger → push to Exist → settle the ledger. */

import { disconnectSource } from '../accounts/disconnect.ts'
import { existFor, RefreshRefused, refreshExistToken } from '../accounts/exist-session.ts'
import { UnreadableCredential } from '../accounts/open-secret.ts'
import {
  type Hold,
  type HoldCause,
  heldAttributes,
  holdText,
  PAUSE_LIMIT_MS,
  pauseExpired,
  pauseIfRefused,
} from '../accounts/source-pause.ts'
import { readerFor } from '../accounts/source-readers.ts'
import { ApiError, SERVICE_LABEL } from '../clients/api-client.ts'
import type { ExistClient } from '../clients/exist/exist-client.ts'
import { pushWrites } from '../clients/exist/push-writes.ts'
import { bucketMinutes, type TimeEntry } from '../core/bucket-minutes.ts'
import {
  type LocalWindow,
  localDateMinus,
  localWindow,
  overFetchStart,
} from '../core/local-window.ts'
import { planWrites, type Write } from '../core/plan-writes.ts'
import {
  addProjectFacts,
  evaluationOrder,
  needsProjectFacts,
  type Rule,
  ruleAttributes,
} from '../core/rules.ts'
import type { SourceReader } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { markAttributesRefused } from '../store/attribute-store.ts'
import { atomically, type Statement } from '../store/database.ts'
import { markPending, purgeLedger, recordOutcome } from '../store/ledger-store.ts'
import { cachedProjects, markWorkspaces, replaceProjects } from '../store/project-cache.ts'
import { loadRunInputs, type MappedProject, type RunInputs } from '../store/run-inputs.ts'
import {
  emptySummary,
  type RunReport,
  type RunSummary,
  recordRun,
  type Trigger,
} from '../store/run-store.ts'
import { getUser, setRetryAfter, setTimezone, stopSyncing, type User } from '../store/user-store.ts'
import { checkDue, dailyCheck } from './exist-check.ts'
import { type Lease, LeaseLost, RunInterrupted, takeLease } from './run-lease.ts'

export const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

/**
 * Syncs one user, holding their lease so no two runs (in any process) overlap.
 * `before` runs inside the lease first (Zero Out uses it).
 */
export async function syncUser(
  deps: Deps,
  userId: number,
  trigger: Trigger,
  before?: (ctx: RunContext) => Promise<void>,
): Promise<RunReport> {
  const startedAt = deps.now()
  const user = await getUser(deps.db, userId)
  const summary = emptySummary()
  if (!user.syncing) {
    return {
      user: userId,
      status: 'skipped',
      summary,
      error: `Syncing is stopped: ${user.stoppedReason ?? 'unknown reason'}`,
    }
  }
  if (user.retryAfter && user.retryAfter.getTime() > startedAt) {
    const wait = `waiting for the API quota to reset (until ${user.retryAfter.toISOString()})`
    return { user: userId, status: 'skipped', summary, error: wait }
  }
  if (deps.shutdown?.aborted) {
    return {
      user: userId,
      status: 'skipped',
      summary,
      error: 'Timebridge is shutting down; the next run carries on',
    }
  }
  const taken = await takeLease(deps, userId)
  if ('busy' in taken) {
    const { busy } = taken
    const error = `Another run for this user is under way (${busy.where}${busy.since ? `, since ${busy.since}` : ''}); it is done by ${busy.done_by} at the latest`
    return { user: userId, status: 'skipped', summary, error, busy }
  }
  const { lease } = taken

  const attempt = async (u: User, s: RunSummary) => {
    const ctx = await openRun(deps, u, s, trigger, lease)
    if (before) {
      await before(ctx)
      // `before` changed the ledger (Zero Out clears it): read again what the run plans from.
      ctx.inputs = await loadRunInputs(deps.db, userId)
    }
    return runSync(deps, ctx)
  }
  let report: ClosingReport
  let current = summary
  let closed = false
  try {
    try {
      try {
        report = await attempt(user, current)
      } catch (error) {
        if (!isExistAuth(error) || error instanceof RefreshRefused || user.existAuth !== 'oauth')
          throw error
        // One refresh for OAuth users: a token revoked early (or expired) may still have a live refresh token.
        await refreshExistToken(deps, await getUser(deps.db, userId))
        current = { ...emptySummary(), requests: summary.requests }
        current.notes.push('Exist refused the access token; Timebridge refreshed it and ran again')
        report = await attempt(await getUser(deps.db, userId), current)
      }
    } catch (error) {
      report = await failedRun(deps, user, current, error)
    }
    // Run record, retention and lease release go in one batch: one round trip to close the run.
    // Steady state that is 2 writes (run row, lease); pruning and purging join only when due.
    const closing: Statement[] = [lease.release()]
    if (report.purgeBefore) closing.unshift(purgeLedger(deps.db, report.purgeBefore, userId))
    await recordRun(
      deps.db,
      report,
      trigger,
      startedAt,
      deps.now(),
      closing,
      report.pruneRuns ?? true,
    )
    closed = true
  } finally {
    // If even this release fails (disk full), the lease lapses within LEASE_TTL_MS, and at once
    // for a run started in this process (it knows this run is over).
    try {
      if (!closed) await lease.release()
    } finally {
      lease.end()
    }
  }
  deps.log.info('sync_run', {
    user: userId,
    trigger,
    status: report.status,
    written: report.summary.written,
  })
  const { purgeBefore: _, pruneRuns: __, ...visible } = report
  return visible
}

export interface RunContext {
  user: User
  trigger: Trigger
  exist: ExistClient
  summary: RunSummary
  /** Read once the lease is held (one round trip), read again when the run changed them. */
  inputs: RunInputs
  window(): Promise<LocalWindow>
  /** Between steps: stops the run if it lost its lease or the process shuts down; renews the lease. */
  step(): Promise<void>
}

async function openRun(
  deps: Deps,
  user: User,
  summary: RunSummary,
  trigger: Trigger,
  lease: Lease,
): Promise<RunContext> {
  const exist = await existFor(deps, user)
  let window: LocalWindow | undefined
  return {
    user,
    trigger,
    exist,
    summary,
    inputs: await loadRunInputs(deps.db, user.id),
    step: () => lease.step(),
    async window() {
      window ??= localWindow(deps.now(), await timezone(deps, user, exist), deps.config.syncDays)
      return window
    },
  }
}

/** The Exist time zone, cached on the user and checked again once a day. */
async function timezone(deps: Deps, user: User, exist: ExistClient): Promise<string> {
  if (deps.now() - user.timezoneCheckedAt.getTime() < DAY_MS) return user.timezone
  try {
    const profile = await exist.profile()
    await setTimezone(deps.db, user.id, profile.timezone, deps.now())
    return profile.timezone
  } catch (error) {
    if (error instanceof ApiError && error.kind !== 'auth') return user.timezone
    throw error
  }
}

/** A run's report, plus the retention cut-off that closes it (known once the window is). */
type ClosingReport = RunReport & { purgeBefore?: string; pruneRuns?: boolean }

async function runSync(deps: Deps, ctx: RunContext): Promise<ClosingReport> {
  const { db } = deps
  const { user, exist, summary } = ctx
  const window = await ctx.window()
  const pulled = await pullEntries(deps, ctx, window)
  const { disconnected, held } = pulled
  // A source paused for too long was disconnected: its mappings and their ledger rows are gone.
  if (disconnected) ctx.inputs = await loadRunInputs(db, user.id)
  const { inputs } = ctx
  const maps = inputs.mappings
  // One ordered list: the user's rules, then the project mappings; the first match wins.
  const order = evaluationOrder(inputs.rules, maps)
  const entries = needsProjectFacts(order)
    ? addProjectFacts(pulled.entries, await cachedProjects(db, user.id))
    : pulled.entries
  const rows = inputs.attributes
  let owned = rows.filter((a) => a.status === 'owned').map((a) => a.attribute)
  // Attributes fed by a paused source or an inaccessible workspace keep what Exist holds: they
  // are neither zeroed nor recomputed from the other sources alone (nor checked and repaired),
  // and their ledger stays as is. A rule that is not about one project may match entries of
  // any source, so its attribute is held whenever some source or workspace could not be read.
  const holds = [
    ...heldAttributes(maps, held),
    ...ruleHolds(inputs.rules, held, pulled.heldSources),
  ]
  if (holds.length) summary.held = [...new Set(holds.map((h) => h.attribute))].sort()
  const mapped = ruleAttributes(order).filter((a) => !holds.some((h) => h.attribute === a))

  const targets = bucketMinutes(entries, order, window, deps.now())
  const [first, last] = [window.dates[0]!, window.dates.at(-1)!]
  let ledger = inputs.ledger.filter((r) => r.date >= first && r.date <= last)
  // Once a day the schedule reads Exist back: drift, ownership that came back or went, auto-repair.
  if (mapped.length > 0 && checkDue(user, ctx.trigger, deps.now())) {
    const checked = await dailyCheck(deps, ctx, window, mapped, rows, ledger)
    if (checked) ({ owned, ledger } = checked)
  }
  const syncable = mapped.filter((a) => owned.includes(a))
  const writes = planWrites({ targets, attributes: syncable, dates: window.dates, ledger })

  let status: RunReport['status'] = 'ok'
  let error: string | null = null
  if (writes.length > 0) {
    await ctx.step()
    await atomically(db, markPending(db, user.id, writes, deps.now()), { durable: true })
    const pushed = await pushWrites(
      exist,
      writes,
      (outcome) => atomically(db, recordOutcome(db, user.id, outcome, deps.now())),
      ctx.step,
    )
    summary.requests.exist = (summary.requests.exist ?? 0) + pushed.requests
    for (const w of pushed.confirmed) summary.written[w.op]++
    summary.refused = pushed.refused.map((r) => ({
      attribute: r.write.attribute,
      date: r.write.date,
      error: r.error,
    }))
    summary.pending = pushed.refused.length + pushed.unknown.length + pushed.unsent.length
    await markRefusedAttributes(deps, user.id, pushed.refused)
    if (pushed.stoppedBy) {
      status = 'deferred'
      error = pushed.stoppedBy.message
      await deferUser(deps, user.id, pushed.stoppedBy)
    } else if (summary.pending > 0) {
      status = 'partial'
    }
  }

  const purgeBefore = localDateMinus(window.today, deps.config.retentionDays)
  // The run read every ledger row of the user: purge only when one is past retention (once a day).
  const purgeDue = inputs.ledger.some((row) => row.date < purgeBefore)
  return {
    user: user.id,
    status,
    summary,
    error,
    purgeBefore: purgeDue ? purgeBefore : undefined,
    pruneRuns: inputs.pruneRuns,
  }
}

/**
 * Reads every connected source that feeds a mapping (refreshing its project list once a day).
 * A source that refuses its token is paused; a Clockify workspace that refuses us is skipped.
 * `held` names the mapped projects that could not be read, so their attributes are not written.
 */
async function pullEntries(
  deps: Deps,
  ctx: RunContext,
  window: LocalWindow,
): Promise<{
  entries: TimeEntry[]
  disconnected: boolean
  held: Map<string, HoldCause>
  heldSources: Map<string, HoldCause>
}> {
  const { user, summary, inputs } = ctx
  const entries: TimeEntry[] = []
  const held = new Map<string, HoldCause>()
  // Sources (or one of their workspaces) that could not be read: rules matching anything are held.
  const heldSources = new Map<string, HoldCause>()
  let disconnected = false
  const projectRules = inputs.rules
    .filter((r) => r.kind === 'project')
    .map((r) => ({ project: r.value, attribute: r.attribute }))
  const mappedOf = (source: string) =>
    [...inputs.mappings, ...projectRules]
      .filter((m) => m.project.startsWith(`${source}:`))
      .map((m) => m.project)
  // Which sources the rules read: all of them for a rule not about one project.
  const anyEntryRule = inputs.rules.some((r) => r.kind !== 'project')
  const hasTagRule = inputs.rules.some((r) => r.kind === 'tag')
  for (const conn of inputs.sources) {
    if (!conn.connected) {
      if (!conn.pausedAt) continue
      if (pauseExpired(conn.pausedAt, deps.now())) {
        const days = Math.round(PAUSE_LIMIT_MS / DAY_MS)
        const reason = `${SERVICE_LABEL[conn.source]} was paused for ${days} days without being connected again, so it was disconnected (its mappings were removed and the attributes handed back to Exist)`
        await disconnectSource(deps, user.id, conn.source, { reason, exist: ctx.exist })
        summary.notes.push(reason)
        disconnected = true
      } else {
        for (const project of mappedOf(conn.source))
          held.set(project, { kind: 'paused', source: conn.source })
        heldSources.set(conn.source, { kind: 'paused', source: conn.source })
      }
      continue
    }
    await ctx.step()
    const readers: SourceReader[] = []
    try {
      const mapped = new Set(
        inputs.mappings
          .filter((m) => m.project.startsWith(`${conn.source}:`))
          .map((m) => m.project),
      )
      // Rules beyond plain project mappings read every workspace of every source.
      const ruled =
        anyEntryRule || projectRules.some((m) => m.project.startsWith(`${conn.source}:`))
      // Tag rules on a source whose entries carry tag ids only need its (cached) tag names.
      const needTags = hasTagRule && conn.source === 'clockify' && !cachedTags(conn.meta)
      // The mapped projects' workspaces as cached, or as just read when the daily refresh ran.
      let projects: MappedProject[] = inputs.mappedProjects
      let current = conn
      if (
        needTags ||
        !conn.projectsRefreshedAt ||
        deps.now() - conn.projectsRefreshedAt.getTime() >= DAY_MS
      ) {
        const refresher = await readerFor(deps, conn)
        readers.push(refresher)
        const account = await refresher.account({ tags: hasTagRule })
        await atomically(deps.db, replaceProjects(deps.db, user.id, account, deps.now()))
        current = { ...conn, meta: JSON.stringify(account.meta ?? null) }
        // replaceProjects keeps the mapped projects of a workspace that refused us or left the
        // list: they are read again (and held while refused), alongside the fresh list.
        const ws = account.workspaces
        const kept = ws
          ? inputs.mappedProjects.filter(
              (p) =>
                p.project.startsWith(`${conn.source}:`) &&
                (ws.inaccessible.includes(p.workspaceId) || !ws.listed.includes(p.workspaceId)),
            )
          : []
        projects = [...account.projects.map((p) => ({ ...p, inaccessible: false })), ...kept]
      }
      if (mapped.size > 0 || ruled) {
        const cached = projects.filter((p) => mapped.has(p.project))
        const workspaceIds = ruled ? undefined : [...new Set(cached.map((p) => p.workspaceId))]
        const reader = await readerFor(deps, current, workspaceIds)
        readers.push(reader)
        // Over-fetch a day before the window (sources filter by start) and up to a day ahead.
        const read = await reader.entries(overFetchStart(window), deps.now() + DAY_MS)
        // Entries without a project can only count through a rule that is not about a project.
        const kept = anyEntryRule ? read.entries : read.entries.filter((e) => e.project !== null)
        summary.read[conn.source] = kept.length
        entries.push(...kept)
        const refused = new Set(read.inaccessibleWorkspaces)
        if (refused.size > 0 || cached.some((p) => p.inaccessible)) {
          await atomically(
            deps.db,
            markWorkspaces(deps.db, user.id, conn.source, read.readWorkspaces, [...refused]),
          )
        }
        for (const p of cached) {
          if (!refused.has(p.workspaceId)) continue
          held.set(p.project, {
            kind: 'inaccessible',
            source: conn.source,
            workspace: p.workspaceName,
          })
        }
        for (const ws of refused) {
          heldSources.set(conn.source, { kind: 'inaccessible', source: conn.source, workspace: ws })
          const name = cached.find((p) => p.workspaceId === ws)?.workspaceName ?? ws
          summary.notes.push(
            `${SERVICE_LABEL[conn.source]} refused access to workspace "${name}" (HTTP 403); it was skipped`,
          )
        }
      }
    } catch (error) {
      const reason = await pauseIfRefused(deps, user.id, conn.source, error)
      if (reason) {
        summary.notes.push(`${SERVICE_LABEL[conn.source]} was paused: ${reason}`)
        for (const project of mappedOf(conn.source))
          held.set(project, { kind: 'paused', source: conn.source })
        heldSources.set(conn.source, { kind: 'paused', source: conn.source })
        continue
      }
      throw error
    } finally {
      const used = readers.reduce((n, r) => n + r.requests, 0)
      if (used) summary.requests[conn.source] = (summary.requests[conn.source] ?? 0) + used
    }
  }
  return { entries, disconnected, held, heldSources }
}

/** Whether a Clockify connection's cached metadata already holds its tag names. */
function cachedTags(meta: string | null): boolean {
  if (!meta) return false
  try {
    return typeof (JSON.parse(meta) as { tags?: unknown }).tags === 'object'
  } catch {
    return false
  }
}

/**
 * Holds for the user's rules: a project rule as its project is held; any other rule (it may match
 * entries of every source) whenever a source or one of its workspaces could not be read.
 */
function ruleHolds(
  rules: readonly Rule[],
  held: ReadonlyMap<string, HoldCause>,
  heldSources: ReadonlyMap<string, HoldCause>,
): Hold[] {
  const out: Hold[] = []
  for (const r of rules) {
    if (r.kind === 'project') {
      const source = r.value.slice(0, r.value.indexOf(':'))
      const cause = held.get(r.value) ?? heldSources.get(source)
      if (cause)
        out.push({ attribute: r.attribute, projects: [r.value], because: [holdText(cause)] })
      continue
    }
    const causes = [...heldSources.values()]
    if (causes.length)
      out.push({ attribute: r.attribute, projects: [], because: causes.map(holdText) })
  }
  return out
}

/** Another service took the attribute: stop writing to it (no tug of war) until the user maps it again. */
async function markRefusedAttributes(
  deps: Deps,
  userId: number,
  refused: { write: Write; code: string; error: string }[],
) {
  const lost = [
    ...new Set(refused.filter((r) => r.code === 'unauthorised').map((r) => r.write.attribute)),
  ]
  if (lost.length === 0) return
  const error = 'Exist says another service now owns this attribute; map it again to take it back'
  await markAttributesRefused(deps.db, userId, lost, error, deps.now())
}

/** A quota or rate-limit answer: remember when the API said to come back. */
async function deferUser(deps: Deps, userId: number, error: ApiError) {
  const wait = error.retryAfterMs ?? defaultWait(deps.now(), error)
  if (wait === undefined) return
  await setRetryAfter(deps.db, userId, deps.now() + wait)
}

/**
 * Exist documents its 429 without a Retry-After ("300 requests in a single 60-minute period",
 * https://developer.exist.io/guide/ ; reference/exist-api.md 6.1): without one, wait for the next
 * clock hour, so Sync now can't keep spending requests and the next scheduled run still goes ahead.
 */
function defaultWait(now: number, error: ApiError): number | undefined {
  if (error.service !== 'exist' || error.kind !== 'rate-limit') return undefined
  return HOUR_MS - (now % HOUR_MS)
}

async function failedRun(
  deps: Deps,
  user: User,
  summary: RunSummary,
  error: unknown,
): Promise<RunReport> {
  if (error instanceof RunInterrupted || error instanceof LeaseLost) {
    return { user: user.id, status: 'deferred', summary, error: error.message }
  }
  if (error instanceof UnreadableCredential) {
    // Every run would fail the same way until the user connects again: say so, once, plainly.
    if (error.service === 'exist') {
      await stopSyncing(deps.db, user.id, error.message, deps.now())
      return { user: user.id, status: 'stopped', summary, error: error.message }
    }
    return { user: user.id, status: 'error', summary, error: error.message }
  }
  if (error instanceof ApiError) {
    if (error.service === 'exist' && error.kind === 'auth') {
      const reason = `Exist refused the saved token${error.status ? ` (HTTP ${error.status})` : ''}; sign in again`
      await stopSyncing(deps.db, user.id, reason, deps.now())
      return { user: user.id, status: 'stopped', summary, error: reason }
    }
    if (error.isTransient) {
      await deferUser(deps, user.id, error)
      return { user: user.id, status: 'deferred', summary, error: error.message }
    }
    return { user: user.id, status: 'error', summary, error: error.message }
  }
  deps.log.error('sync_failed', { user: user.id, error: String(error) })
  return {
    user: user.id,
    status: 'error',
    summary,
    error: error instanceof Error ? error.message : String(error),
  }
}

function isExistAuth(error: unknown): error is ApiError {
  return error instanceof ApiError && error.service === 'exist' && error.kind === 'auth'
}
