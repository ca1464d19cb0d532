/** The history import, pure: which days it may cover, how it is cut into chunks, its hourly budget, and the absolute writes of one chunk. */
import { DateTime } from 'luxon'
import type { Targets } from './bucket-minutes.ts'
import { InputError } from './input-error.ts'
import type { Write } from './plan-writes.ts'

/** How far back `--since` may reach. */
export const HISTORY_MAX_YEARS = 5
/** Days per chunk: one chunk is one stored step of progress (and one queue message on Workers). */
export const CHUNK_DAYS = 31

/**
 * The share of each hourly quota the import may take per clock hour. A third per clock hour is at
 * most two thirds in any 60 minutes however the API counts its hour (Toggl's window slides), so the
 * hourly sync (1–3 requests) always finds the rest.
 */
export const IMPORT_BUDGET = { toggl: 10, clockify: 10, exist: 100 } as const
export type BudgetService = keyof typeof IMPORT_BUDGET
export type BudgetUse = Record<BudgetService, number>

export const noUse = (): BudgetUse => ({ toggl: 0, clockify: 0, exist: 0 })

export interface HistoryRange {
  since: string
  /** The day before the sync window starts: the import never writes inside the window. */
  until: string
  days: number
}

/** Checks `--since` against the window: a real date, at most 5 years back, before the window. */
export function historyRange(since: string, windowFirst: string, today: string): HistoryRange {
  const start = /^\d{4}-\d{2}-\d{2}$/.test(since)
    ? DateTime.fromISO(since, { zone: 'utc' })
    : undefined
  if (!start?.isValid) {
    throw new InputError(`--since must be a date written YYYY-MM-DD (got "${since}")`, 'since')
  }
  const floor = DateTime.fromISO(today, { zone: 'utc' }).minus({ years: HISTORY_MAX_YEARS })
  if (start < floor) {
    throw new InputError(
      `--since may reach at most ${HISTORY_MAX_YEARS} years back (${floor.toISODate()} or later; got ${since})`,
      'since',
    )
  }
  const until = DateTime.fromISO(windowFirst, { zone: 'utc' }).minus({ days: 1 })
  if (start > until) {
    throw new InputError(
      `--since must be before the sync window, which starts ${windowFirst} and is kept up to date by the hourly sync (got ${since})`,
      'since',
    )
  }
  const days = Math.round(until.diff(start, 'days').days) + 1
  return { since, until: until.toISODate()!, days }
}

/** The chunk starting at `first`: up to CHUNK_DAYS days, never past `until`. */
export function chunkAt(
  first: string,
  until: string,
): { first: string; last: string; days: number } {
  const start = DateTime.fromISO(first, { zone: 'utc' })
  const end = DateTime.min(
    start.plus({ days: CHUNK_DAYS - 1 }),
    DateTime.fromISO(until, { zone: 'utc' }),
  )
  return { first, last: end.toISODate()!, days: Math.round(end.diff(start, 'days').days) + 1 }
}

/** The local date after `date`. */
export function nextDate(date: string): string {
  return DateTime.fromISO(date, { zone: 'utc' }).plus({ days: 1 }).toISODate()!
}

/**
 * Absolute `update`s for every attribute and every day of the chunk, zeros included: the import
 * replaces what Exist holds for those days (the confirmation page says so), and re-running it is
 * harmless because nothing is ever added to what is there.
 */
export function historyWrites(
  targets: Targets,
  attributes: readonly string[],
  dates: readonly string[],
): Write[] {
  const writes: Write[] = []
  for (const attribute of [...attributes].sort()) {
    const perDay = targets.get(attribute)
    for (const date of dates) {
      const value = perDay?.get(date) ?? 0
      writes.push({ op: 'update', attribute, date, value, target: value })
    }
  }
  return writes
}

/** Whether `use` leaves room for `need` more requests of each service this hour. */
export function budgetLeft(use: BudgetUse, need: Partial<BudgetUse>): boolean {
  return (Object.keys(IMPORT_BUDGET) as BudgetService[]).every(
    (s) => use[s] + (need[s] ?? 0) <= IMPORT_BUDGET[s],
  )
}
