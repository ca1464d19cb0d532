/**
 * History import: the days from `--since` to the day before the sync window, a chunk (≤ 31 days) at
 * a time, bucketed exactly like the sync and written as absolute updates, within a third of each
 * hourly quota; progress is stored per chunk, so a restart (or the next queue message) carries on.
 */
import { existFor } from '../accounts/exist-session.ts'
import { readerFor, togglReportsFor } from '../accounts/source-readers.ts'
import { ApiError, SERVICE_LABEL } from '../clients/api-client.ts'
import { EXIST_BATCH } from '../clients/exist/exist-client.ts'
import { pushWrites } from '../clients/exist/push-writes.ts'
import type { HttpTransport } from '../clients/http-transport.ts'
import { TOGGL_ENTRIES_REACH_DAYS } from '../clients/toggl/toggl-client.ts'
import { bucketMinutes, type TimeEntry } from '../core/bucket-minutes.ts'
import {
  type BudgetService,
  type BudgetUse,
  budgetLeft,
  chunkAt,
  historyRange,
  historyWrites,
  IMPORT_BUDGET,
  nextDate,
  noUse,
} from '../core/history-plan.ts'
import { InputError } from '../core/input-error.ts'
import { localDateMinus, localDays, localWindow, overFetchStart } from '../core/local-window.ts'
import {
  addProjectFacts,
  evaluationOrder,
  needsProjectFacts,
  ruleAttributes,
} from '../core/rules.ts'
import type { Deps } from '../deps.ts'
import type { LeaseOwner } from '../shared/process-probe.ts'
import {
  cancelImport,
  claimImport,
  dueImports,
  findImport,
  type HistoryImportRow,
  type ImportProgress,
  releaseImport,
  saveProgress,
  startImport,
} from '../store/history-store.ts'
import { cachedProjects } from '../store/project-cache.ts'
import { loadRunInputs } from '../store/run-inputs.ts'
import { getUser } from '../store/user-store.ts'
import { DAY_MS } from './sync-user.ts'

const HOUR_MS = 3_600_000
/** A runner holds the import this long; a killed one blocks the next for at most this. */
const CLAIM_MS = 2 * 60_000

/** What the confirmation page and `import-history` name before anything starts. */
export interface ImportPreview {
  since: string
  until: string
  days: number
  attributes: string[]
}

export async function previewImport(
  deps: Deps,
  userId: number,
  since: string,
): Promise<ImportPreview> {
  const user = await getUser(deps.db, userId)
  const window = localWindow(deps.now(), user.timezone, deps.config.syncDays)
  const range = historyRange(since, window.dates[0]!, window.today)
  const attributes = await importAttributes(deps, userId)
  if (attributes.length === 0) {
    throw new InputError('Map a project to an Exist attribute before importing history', 'since')
  }
  return { since: range.since, until: range.until, days: range.days, attributes }
}

/** Owned attributes some rule or project mapping feeds: the ones the sync writes too. */
async function importAttributes(deps: Deps, userId: number): Promise<string[]> {
  const inputs = await loadRunInputs(deps.db, userId)
  const owned = new Set(
    inputs.attributes.filter((a) => a.status === 'owned').map((a) => a.attribute),
  )
  return ruleAttributes(evaluationOrder(inputs.rules, inputs.mappings)).filter((a) => owned.has(a))
}

/**
 * Starts an import, or carries on with the one under way when it has the same `since` (so running
 * the command again resumes it). A different `since` while one runs is refused: cancel it first.
 */
export async function startHistoryImport(
  deps: Deps,
  userId: number,
  since: string,
): Promise<HistoryStatus> {
  const preview = await previewImport(deps, userId, since)
  const current = await findImport(deps.db, userId)
  if (current?.status === 'running') {
    if (current.since === since) return historyStatus(deps, current)
    throw new InputError(
      `A history import since ${current.since} is under way; cancel it before starting another`,
      'since',
    )
  }
  await startImport(
    deps.db,
    userId,
    {
      since: preview.since,
      until: preview.until,
      daysTotal: preview.days,
      attributes: preview.attributes,
    },
    deps.now(),
  )
  return historyStatus(deps, (await findImport(deps.db, userId))!)
}

export async function cancelHistoryImport(
  deps: Deps,
  userId: number,
): Promise<HistoryStatus | null> {
  await cancelImport(deps.db, userId, deps.now())
  const row = await findImport(deps.db, userId)
  return row ? historyStatus(deps, row) : null
}

export interface HistoryStatus {
  status: HistoryImportRow['status']
  since: string
  until: string
  attributes: string[]
  days_total: number
  days_done: number
  /** Day values Exist confirmed / refused. */
  written: number
  refused: number
  requests: BudgetUse
  /** When it carries on (its hourly budget is spent), ISO. */
  resume_at: string | null
  /** Estimated finish, ISO, from the days imported per hour so far. */
  eta: string | null
  error: string | null
}

export async function importStatus(deps: Deps, userId: number): Promise<HistoryStatus | null> {
  const row = await findImport(deps.db, userId)
  return row ? historyStatus(deps, row) : null
}

function historyStatus(deps: Deps, row: HistoryImportRow): HistoryStatus {
  const left = row.daysTotal - row.daysDone
  let eta: string | null = null
  if (row.status === 'running' && row.daysDone > 0 && row.hoursUsed > 0) {
    const perHour = row.daysDone / row.hoursUsed
    eta = new Date(deps.now() + Math.ceil(left / perHour) * HOUR_MS).toISOString()
  }
  return {
    status: row.status,
    since: row.since,
    until: row.until,
    attributes: JSON.parse(row.attributes) as string[],
    days_total: row.daysTotal,
    days_done: row.daysDone,
    written: row.written,
    refused: row.refused,
    requests: { ...noUse(), ...(JSON.parse(row.requests) as Partial<BudgetUse>) },
    resume_at: row.status === 'running' && row.resumeAt ? row.resumeAt.toISOString() : null,
    eta,
    error: row.error,
  }
}

/** Set by the counting transport when it refused a request past the import's share of a quota. */
interface BudgetGuard {
  spent: boolean
}

export type StepOutcome = 'chunk' | 'done' | 'waiting' | 'idle' | 'busy'

/**
 * Runs the user's import until it is done, its hourly budget is spent, or `maxChunks` chunks are
 * through (a Worker queue message does one). Returns the status after it.
 */
export async function runHistoryImport(
  deps: Deps,
  userId: number,
  opts: { maxChunks?: number } = {},
): Promise<{ outcome: StepOutcome; status: HistoryStatus | null }> {
  const row = await findImport(deps.db, userId)
  if (row?.status !== 'running')
    return { outcome: 'idle', status: row ? historyStatus(deps, row) : null }
  if (row.resumeAt && row.resumeAt.getTime() > deps.now()) {
    return { outcome: 'waiting', status: historyStatus(deps, row) }
  }
  const owner = JSON.stringify({
    ...(deps.processes?.self ?? { host: 'isolate' }),
    run: crypto.randomUUID(),
  })
  // A runner killed on this host (its process is gone) does not hold the import until its claim lapses.
  let gone: string | undefined
  if (row.leaseOwner && deps.processes) {
    try {
      if (deps.processes.isGone(JSON.parse(row.leaseOwner) as LeaseOwner)) gone = row.leaseOwner
    } catch {
      gone = undefined
    }
  }
  const claim = () => claimImport(deps.db, userId, deps.now(), deps.now() + CLAIM_MS, owner, gone)
  if (!(await claim())) {
    return { outcome: 'busy', status: historyStatus(deps, row) }
  }
  let outcome: StepOutcome = 'idle'
  try {
    for (let n = 0; n < (opts.maxChunks ?? Number.POSITIVE_INFINITY); n++) {
      if (deps.shutdown?.aborted) break
      const current = await findImport(deps.db, userId)
      if (current?.status !== 'running') break
      outcome = await importChunk(deps, current)
      if (outcome !== 'chunk') break
      if (!(await claim())) break
    }
  } finally {
    await releaseImport(deps.db, userId)
  }
  const after = await findImport(deps.db, userId)
  return { outcome, status: after ? historyStatus(deps, after) : null }
}

/** One chunk: read its days from every source, bucket, write, then store the progress in one update. */
async function importChunk(deps: Deps, row: HistoryImportRow): Promise<StepOutcome> {
  const now = deps.now()
  const hour = now - (now % HOUR_MS)
  const fresh = row.budgetHour !== hour
  const used: BudgetUse = fresh
    ? noUse()
    : { ...noUse(), ...(JSON.parse(row.used) as Partial<BudgetUse>) }
  const requests: BudgetUse = { ...noUse(), ...(JSON.parse(row.requests) as Partial<BudgetUse>) }
  const progress: ImportProgress = {
    nextDate: row.nextDate,
    daysDone: row.daysDone,
    written: row.written,
    refused: row.refused,
    requests,
    budgetHour: hour,
    used,
    hoursUsed: row.hoursUsed + (fresh ? 1 : 0),
    resumeAt: null,
    error: null,
    status: 'running',
  }
  const nextHour = hour + HOUR_MS
  if (!row.nextDate) {
    await saveProgress(deps.db, row.userId, { ...progress, status: 'done' }, now)
    return 'done'
  }

  const user = await getUser(deps.db, row.userId)
  const inputs = await loadRunInputs(deps.db, row.userId)
  const attributes = (JSON.parse(row.attributes) as string[]).filter((a) =>
    inputs.attributes.some((r) => r.attribute === a && r.status === 'owned'),
  )
  // Exactly the sync's evaluation: the user's rules, then the project mappings, first match wins.
  // The whole list buckets (so an entry taken by an earlier rule never falls through to a later
  // one); only the import's attributes are written.
  const order = evaluationOrder(inputs.rules, inputs.mappings)
  const anyEntryRule = inputs.rules.some((r) => r.kind !== 'project')
  const projectRules = order.filter((r) => r.kind === 'project').map((r) => r.value)
  const window = localWindow(now, user.timezone, deps.config.syncDays)
  // Never inside the window, whatever was stored: the hourly sync owns those days.
  const until = row.until < window.dates[0]! ? row.until : localDateMinus(window.dates[0]!, 1)
  const chunk = chunkAt(row.nextDate, until)
  const days = localDays(user.timezone, chunk.first, chunk.last)
  const writesPerChunk = Math.ceil((attributes.length * chunk.days) / EXIST_BATCH)

  // Refuse to start a chunk this hour's budget can't finish: reads would be spent for nothing.
  const need: Partial<BudgetUse> = { exist: writesPerChunk }
  for (const conn of inputs.sources) if (conn.connected) need[conn.source] = 1
  if (!budgetLeft(used, need)) {
    await saveProgress(deps.db, row.userId, { ...progress, resumeAt: nextHour }, now)
    return 'waiting'
  }

  const guard: BudgetGuard = { spent: false }
  const counted: Deps = { ...deps, transport: countingTransport(deps, used, requests, guard) }
  try {
    const entries: TimeEntry[] = []
    const from = overFetchStart(days)
    const to = days.bounds.at(-1)!
    const cached = await cachedProjects(deps.db, row.userId)
    for (const conn of inputs.sources) {
      const ofSource = cached.filter((p) => p.source === conn.source)
      const mapped = ofSource.filter((p) => projectRules.includes(p.project))
      if (mapped.length === 0 && !anyEntryRule) continue
      if (!conn.connected) {
        throw new InputError(
          `${SERVICE_LABEL[conn.source]} is paused (${conn.reason ?? 'its token was refused'}); connect it again to carry on with the import`,
        )
      }
      // As the sync: rules beyond plain project mappings read every workspace.
      const workspaces = [...new Set((anyEntryRule ? ofSource : mapped).map((p) => p.workspaceId))]
      // `/me/time_entries` reaches about three months back; older days come from the Reports API.
      const recent = from >= now - TOGGL_ENTRIES_REACH_DAYS * DAY_MS
      const reader =
        conn.source === 'toggl' && !recent
          ? await togglReportsFor(counted, conn, workspaces, {
              tags: inputs.rules.some((r) => r.kind === 'tag'),
            })
          : await readerFor(counted, conn, anyEntryRule ? undefined : workspaces)
      const read = await reader.entries(from, to)
      if (read.inaccessibleWorkspaces.length > 0) {
        throw new InputError(
          `${SERVICE_LABEL[conn.source]} refused access to a workspace with mapped projects; the import stopped`,
        )
      }
      // Entries without a project count only through a rule that is not about a project.
      entries.push(
        ...(anyEntryRule ? read.entries : read.entries.filter((e) => e.project !== null)),
      )
    }
    const facts = needsProjectFacts(order) ? addProjectFacts(entries, cached) : entries
    const targets = bucketMinutes(facts, order, days, now)
    const writes = historyWrites(targets, attributes, days.dates)
    const exist = await existFor(counted, user)
    const pushed = await pushWrites(exist, writes, async () => {})
    progress.refused += pushed.refused.length
    if (guard.spent) {
      progress.written += pushed.confirmed.length
      await saveProgress(deps.db, row.userId, { ...progress, resumeAt: nextHour }, now)
      return 'waiting'
    }
    if (pushed.stoppedBy || pushed.unknown.length > 0) {
      // Not confirmed: the chunk is done again later (absolute values, so nothing doubles).
      progress.written += pushed.confirmed.length
      progress.error = pushed.stoppedBy?.message ?? pushed.unknown[0]!.error
      progress.resumeAt = pushed.stoppedBy?.retryAfterMs
        ? now + pushed.stoppedBy.retryAfterMs
        : nextHour
      await saveProgress(deps.db, row.userId, progress, now)
      return 'waiting'
    }
    progress.written += pushed.confirmed.length
    if (pushed.refused.length > 0) progress.error = pushed.refused[0]!.error
    progress.daysDone += chunk.days
    progress.nextDate = chunk.last >= until ? null : nextDate(chunk.last)
    if (progress.nextDate === null) progress.status = 'done'
    await saveProgress(deps.db, row.userId, progress, now)
    return progress.status === 'done' ? 'done' : 'chunk'
  } catch (error) {
    // The counting fetch refused a request (the client reports it as a network error).
    if (guard.spent) {
      await saveProgress(deps.db, row.userId, { ...progress, resumeAt: nextHour }, now)
      return 'waiting'
    }
    if (error instanceof ApiError && error.isTransient) {
      const wait = error.retryAfterMs ?? nextHour - now
      await saveProgress(
        deps.db,
        row.userId,
        { ...progress, error: error.message, resumeAt: now + wait },
        now,
      )
      return 'waiting'
    }
    const message = error instanceof Error ? error.message : String(error)
    await saveProgress(deps.db, row.userId, { ...progress, status: 'failed', error: message }, now)
    deps.log.warn('history_import_failed', { user: row.userId, error: message })
    return 'done'
  }
}

/** Counts every request per API into `used` and `total`, and refuses one past the import's share. */
function countingTransport(
  deps: Deps,
  used: BudgetUse,
  total: BudgetUse,
  guard: BudgetGuard,
): HttpTransport {
  const serviceOf = (url: string): BudgetService =>
    url.startsWith(deps.config.togglUrl)
      ? 'toggl'
      : url.startsWith(deps.config.existUrl)
        ? 'exist'
        : 'clockify'
  return async (req) => {
    const service = serviceOf(req.url)
    if (used[service] >= IMPORT_BUDGET[service]) {
      guard.spent = true
      throw new Error(
        `the history import's share of the ${SERVICE_LABEL[service]} quota for this hour is spent`,
      )
    }
    used[service]++
    total[service]++
    return deps.transport(req)
  }
}

/** After the hourly sync (which keeps priority): every import whose budget is free again carries on. */
export async function continueImports(deps: Deps): Promise<number> {
  let ran = 0
  for (const userId of await dueImports(deps.db, deps.now())) {
    if (deps.shutdown?.aborted) break
    try {
      const { outcome } = await runHistoryImport(deps, userId)
      if (outcome !== 'busy' && outcome !== 'idle') ran++
    } catch (error) {
      deps.log.error('history_import_crashed', { user: userId, error: String(error) })
    }
  }
  return ran
}
