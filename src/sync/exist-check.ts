/**
 * The drift check: read the mapped attributes' window back from Exist (with-values + owned, two
 * requests), compare every (attribute, day) with the ledger, notice ownership that came back or went,
 * and repair exactly the drifted days. Daily inside scheduled runs; on demand from the CLI and the web.
 */

import { existFor } from '../accounts/exist-session.ts'
import { ApiError } from '../clients/api-client.ts'
import type { ExistClient } from '../clients/exist/exist-client.ts'
import { pushWrites } from '../clients/exist/push-writes.ts'
import { type Drift, type ExistDay, findDrift } from '../core/find-drift.ts'
import { InputError } from '../core/input-error.ts'
import { type LocalWindow, localWindow } from '../core/local-window.ts'
import type { LedgerRow, Write } from '../core/plan-writes.ts'
import type { Deps } from '../deps.ts'
import {
  type AttributeRow,
  attributeRows,
  mappingRows,
  setAttributesStatus,
} from '../store/attribute-store.ts'
import { atomically, type Statement } from '../store/database.ts'
import { loadExistValues, recordCheck, replaceExistValues } from '../store/exist-values-store.ts'
import { loadLedger, markPending, recordOutcome } from '../store/ledger-store.ts'
import {
  emptySummary,
  type RunReport,
  type RunSummary,
  recordRun,
  type Trigger,
} from '../store/run-store.ts'
import { getUser, type User } from '../store/user-store.ts'
import { type Lease, takeLease } from './run-lease.ts'

/**
 * The daily check is due this long after the last one. Half an hour short of a day, so an hourly run
 * that starts a few seconds earlier than yesterday's still checks: once a day, never twice.
 */
export const CHECK_EVERY_MS = 23.5 * 3_600_000

/** Only the schedule (Node's croner, the Worker's queue jobs) checks by itself; people ask with check. */
export function checkDue(user: User, trigger: Trigger, now: number): boolean {
  if (trigger !== 'schedule' && trigger !== 'queue') return false
  return !user.existCheckedAt || now - user.existCheckedAt.getTime() >= CHECK_EVERY_MS
}

/** What one read-back found. */
export interface CheckResult {
  checkedAt: number
  /** Requests the read cost (2 unless an answer had more than one page). */
  requests: number
  /** Every (attribute, day) Exist answered for, mapped attributes only. */
  days: ExistDay[]
  /** Owned attributes whose days differ from the ledger (pending days excluded). */
  drift: Drift[]
  /** Refused attributes Exist says belong to Timebridge again: syncing resumes. */
  regained: string[]
  /** Owned attributes another service (or the user) took: no write goes to them any more. */
  lost: { attribute: string; owner: string | null }[]
  /** Mapped attributes Exist did not return (no read permission, or gone): not judged. */
  unreadable: string[]
  /** Drifted days marked pending to be set absolutely (auto-repair, and days of regained attributes). */
  repairing: Drift[]
}

/** The JSON `check` prints: what was compared and what differs. */
export interface CheckReport {
  user: number
  checked_at: string
  requests: number
  attributes: string[]
  days_compared: number
  drift: { attribute: string; date: string; exist: number; sent: number }[]
  regained: string[]
  lost: { attribute: string; owner: string | null }[]
  unreadable: string[]
}

export interface RepairReport extends RunReport {
  /** The (attribute, day) pairs sent as absolute updates, with the value sent. */
  repaired: { attribute: string; date: string; value: number }[]
}

interface Judged {
  result: CheckResult
  statements: Statement[]
  /** The ledger with the repaired days marked pending (for the planner of the same run). */
  ledger: LedgerRow[]
  /** Mapped attributes Timebridge owns after the check. */
  owned: string[]
}

/** Two reads: the window's values of every mapped attribute, and which of them this client owns. */
async function readBack(exist: ExistClient, names: string[], window: LocalWindow) {
  const before = exist.requests
  const read = await exist.withValues(names, window.dates.length, window.today)
  const owned = new Set((await exist.owned(names)).map((a) => a.name))
  const wanted = new Set(names)
  const days: ExistDay[] = []
  const services = new Map<string, string | null>()
  for (const attr of read) {
    if (!wanted.has(attr.name) || services.has(attr.name)) continue
    services.set(attr.name, attr.service?.label ?? null)
    const byDate = new Map(attr.values.map((v) => [v.date, v.value]))
    // Exist lists every day; one it leaves out holds nothing, like a null.
    for (const date of window.dates) {
      const value = byDate.get(date)
      days.push({ attribute: attr.name, date, value: value ?? null })
    }
  }
  return { days, owned, services, requests: exist.requests - before }
}

/** Reads Exist back and works out drift and ownership; returns the statements that store it all. */
async function judge(
  deps: Deps,
  exist: ExistClient,
  user: User,
  window: LocalWindow,
  mapped: string[],
  rows: AttributeRow[],
  ledger: LedgerRow[],
  opts: { repair: boolean },
): Promise<Judged> {
  const { db } = deps
  const now = deps.now()
  const read = await readBack(exist, mapped, window)
  const status = new Map(rows.map((r) => [r.attribute, r.status]))
  const regained: string[] = []
  const lost: { attribute: string; owner: string | null }[] = []
  const unreadable: string[] = []
  const owned: string[] = []
  for (const name of mapped) {
    const was = status.get(name)
    if (!read.services.has(name)) {
      // Not readable: ownership and values stay as they were known.
      unreadable.push(name)
      if (was === 'owned') owned.push(name)
      continue
    }
    const ours = read.owned.has(name)
    if (ours) owned.push(name)
    if (ours && was === 'refused') regained.push(name)
    if (!ours && was === 'owned')
      lost.push({ attribute: name, owner: read.services.get(name) ?? null })
  }

  const drift = findDrift({ attributes: owned, dates: window.dates, ledger, exist: read.days })
  const repairing = drift.filter((d) => opts.repair || regained.includes(d.attribute))
  const marks: Write[] = repairing.map((d) => ({
    op: 'update',
    attribute: d.attribute,
    date: d.date,
    value: d.sent,
    target: d.sent,
  }))
  const statements: Statement[] = [
    ...replaceExistValues(db, user.id, read.days, now),
    recordCheck(db, user.id, now, null),
    ...markPending(db, user.id, marks, now),
  ]
  if (regained.length > 0) {
    statements.push(setAttributesStatus(db, user.id, regained, 'owned', null, now))
  }
  for (const l of lost) {
    const error = `Exist says ${l.owner ?? 'another service'} now owns this attribute; map it again to take it back`
    statements.push(setAttributesStatus(db, user.id, [l.attribute], 'refused', error, now))
  }
  // The same run plans with the repaired days pending, so each gets one absolute update.
  const repairedKeys = new Set(repairing.map((d) => `${d.attribute}\u0000${d.date}`))
  const nextLedger = ledger.map((r) =>
    repairedKeys.has(`${r.attribute}\u0000${r.date}`) ? { ...r, pending: true } : r,
  )
  for (const d of repairing) {
    if (!ledger.some((r) => r.attribute === d.attribute && r.date === d.date)) {
      nextLedger.push({ attribute: d.attribute, date: d.date, value: d.sent, pending: true })
    }
  }
  return {
    result: {
      checkedAt: now,
      requests: read.requests,
      days: read.days,
      drift,
      regained,
      lost,
      unreadable,
      repairing,
    },
    statements,
    ledger: nextLedger,
    owned,
  }
}

/**
 * The daily check inside a run (called between reading the ledger and planning). Exist being
 * unreachable or rate-limited does not fail the run: the check is tried again the next day, and the
 * status page says why it is missing. A refused token does fail it (the run's own handling applies).
 */
export async function dailyCheck(
  deps: Deps,
  run: { user: User; exist: ExistClient; summary: RunSummary },
  window: LocalWindow,
  mapped: string[],
  rows: AttributeRow[],
  ledger: LedgerRow[],
): Promise<{ owned: string[]; ledger: LedgerRow[] } | null> {
  const { user, summary } = run
  const before = run.exist.requests
  let judged: Judged
  try {
    judged = await judge(deps, run.exist, user, window, mapped, rows, ledger, {
      repair: user.repairDrift,
    })
  } catch (error) {
    summary.requests.exist = (summary.requests.exist ?? 0) + (run.exist.requests - before)
    if (!(error instanceof ApiError) || error.kind === 'auth') throw error
    await atomically(deps.db, [recordCheck(deps.db, user.id, deps.now(), error.message)])
    summary.notes.push(`Could not check what Exist holds: ${error.message}`)
    return null
  }
  await atomically(deps.db, judged.statements)
  const r = judged.result
  summary.requests.exist = (summary.requests.exist ?? 0) + r.requests
  summary.checked = {
    drifted: r.drift.length,
    repairing: r.repairing.length,
    regained: r.regained,
    lost: r.lost.map((l) => l.attribute),
  }
  summary.notes.push(checkNote(r))
  return { owned: judged.owned, ledger: judged.ledger }
}

function checkNote(r: CheckResult): string {
  const parts = [
    r.drift.length === 0
      ? 'Checked Exist: every day holds what Timebridge sent'
      : `Checked Exist: ${r.drift.length} day value${r.drift.length === 1 ? '' : 's'} differ from what Timebridge sent${r.repairing.length ? `; repairing ${r.repairing.length}` : ''}`,
  ]
  if (r.regained.length)
    parts.push(`${r.regained.join(', ')} belong to Timebridge again: syncing resumed`)
  if (r.lost.length)
    parts.push(
      r.lost.map((l) => `${l.attribute} now belongs to ${l.owner ?? 'another service'}`).join(', '),
    )
  return parts.join('. ')
}

/** Runs `work` holding the user's lease (so no sync changes the ledger meanwhile). */
async function underLease<T>(
  deps: Deps,
  userId: number,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const taken = await takeLease(deps, userId)
  if ('busy' in taken) {
    throw new InputError(
      `A sync for this user is under way (${taken.busy.where}); it is done by ${taken.busy.done_by} at the latest`,
      'user',
    )
  }
  const { lease } = taken
  try {
    return await work(lease)
  } finally {
    try {
      await lease.release()
    } finally {
      lease.end()
    }
  }
}

async function mappedAttributes(deps: Deps, userId: number): Promise<string[]> {
  return [...new Set((await mappingRows(deps.db, userId)).map((m) => m.attribute))].sort()
}

function usable(user: User): void {
  if (!user.syncing) {
    throw new InputError(
      `Syncing is stopped for user ${user.id} (${user.stoppedReason ?? 'Exist refused the token'}); sign in again first`,
      'user',
    )
  }
}

/** `check`: read Exist back now and store the result (the daily check then waits a day). */
export async function checkUser(deps: Deps, userId: number): Promise<CheckReport> {
  const user = await getUser(deps.db, userId)
  usable(user)
  return underLease(deps, userId, async () => {
    const window = localWindow(deps.now(), user.timezone, deps.config.syncDays)
    const mapped = await mappedAttributes(deps, userId)
    if (mapped.length === 0) {
      return report(userId, deps.now(), mapped, null)
    }
    const exist = await existFor(deps, user)
    const rows = await attributeRows(deps.db, userId)
    const ledger = await loadLedger(deps.db, userId, window.dates)
    const judged = await judge(deps, exist, user, window, mapped, rows, ledger, { repair: false })
    await atomically(deps.db, judged.statements)
    deps.log.info('exist_checked', { user: userId, drifted: judged.result.drift.length })
    return report(userId, judged.result.checkedAt, mapped, judged.result)
  })
}

function report(user: number, at: number, mapped: string[], r: CheckResult | null): CheckReport {
  return {
    user,
    checked_at: new Date(at).toISOString(),
    requests: r?.requests ?? 0,
    attributes: mapped,
    days_compared: r?.days.length ?? 0,
    drift: (r?.drift ?? []).map((d) => ({
      attribute: d.attribute,
      date: d.date,
      exist: d.exist,
      sent: d.sent,
    })),
    regained: r?.regained ?? [],
    lost: r?.lost ?? [],
    unreadable: r?.unreadable ?? [],
  }
}

/** The drift the stored check shows now (no request): owned, mapped attributes, window days. */
export async function storedDrift(deps: Deps, user: User): Promise<Drift[]> {
  const window = localWindow(deps.now(), user.timezone, deps.config.syncDays)
  const mapped = new Set(await mappedAttributes(deps, user.id))
  const owned = (await attributeRows(deps.db, user.id))
    .filter((a) => a.status === 'owned' && mapped.has(a.attribute))
    .map((a) => a.attribute)
    .sort()
  const [ledger, exist] = await Promise.all([
    loadLedger(deps.db, user.id, window.dates),
    loadExistValues(deps.db, user.id, window.dates),
  ])
  return findDrift({ attributes: owned, dates: window.dates, ledger, exist })
}

/**
 * `repair` / "Repair these days": one absolute `update` per drifted (attribute, day) the stored check
 * shows, to the value Timebridge sent, and nothing else. The days are marked pending first, so an
 * answer that is lost is settled by the next run. Without a stored check, Exist is read first.
 */
export async function repairUser(
  deps: Deps,
  userId: number,
  trigger: Trigger,
): Promise<RepairReport> {
  const startedAt = deps.now()
  const user = await getUser(deps.db, userId)
  usable(user)
  const summary = emptySummary()
  return underLease(deps, userId, async (lease) => {
    const { db } = deps
    const window = localWindow(startedAt, user.timezone, deps.config.syncDays)
    const mapped = await mappedAttributes(deps, userId)
    const exist = await existFor(deps, user)
    let drift: Drift[] = []
    if (mapped.length === 0) {
      // Nothing is synced: nothing to read, nothing to repair.
    } else if (
      !user.existCheckedAt ||
      user.existCheckError ||
      (await loadExistValues(db, userId, window.dates)).length === 0
    ) {
      const ledger = await loadLedger(db, userId, window.dates)
      const judged = await judge(
        deps,
        exist,
        user,
        window,
        mapped,
        await attributeRows(db, userId),
        ledger,
        {
          repair: false,
        },
      )
      await atomically(db, judged.statements)
      summary.requests.exist = judged.result.requests
      drift = judged.result.drift
    } else {
      drift = await storedDrift(deps, user)
    }
    const writes: Write[] = drift.map((d) => ({
      op: 'update',
      attribute: d.attribute,
      date: d.date,
      value: d.sent,
      target: d.sent,
    }))
    let status: RunReport['status'] = 'ok'
    let error: string | null = null
    const repaired: RepairReport['repaired'] = []
    if (writes.length > 0) {
      await lease.step()
      await atomically(db, markPending(db, userId, writes, deps.now()))
      const pushed = await pushWrites(
        exist,
        writes,
        (outcome) => atomically(db, recordOutcome(db, userId, outcome, deps.now())),
        () => lease.step(),
      )
      summary.requests.exist = (summary.requests.exist ?? 0) + pushed.requests
      summary.written.update = pushed.confirmed.length
      summary.refused = pushed.refused.map((r) => ({
        attribute: r.write.attribute,
        date: r.write.date,
        error: r.error,
      }))
      summary.pending = pushed.refused.length + pushed.unknown.length + pushed.unsent.length
      repaired.push(
        ...pushed.confirmed.map((w) => ({ attribute: w.attribute, date: w.date, value: w.value })),
      )
      if (pushed.stoppedBy) {
        status = 'deferred'
        error = pushed.stoppedBy.message
      } else if (summary.pending > 0) {
        status = 'partial'
      }
    }
    summary.notes.push(
      writes.length === 0
        ? 'Repair: Exist holds what Timebridge sent on every checked day; nothing to send'
        : `Repair: set ${repaired.length} of ${writes.length} drifted day value${writes.length === 1 ? '' : 's'} back to what Timebridge sent`,
    )
    const result: RunReport = { user: userId, status, summary, error }
    await recordRun(db, result, trigger, startedAt, deps.now())
    deps.log.info('drift_repaired', {
      user: userId,
      trigger,
      repaired: repaired.length,
      of: writes.length,
    })
    return { ...result, repaired }
  })
}
