/** The heart of the sync, pure: from the day totals and the ledger, the writes that bring Exist up to date. */
import type { Targets } from './bucket-minutes.ts'

export interface LedgerRow {
  attribute: string
  date: string
  /** Minutes Exist holds from us (or, when pending, the value we last tried to set). */
  value: number
  /** The outcome of the last push of this row is unknown. */
  pending: boolean
}

export interface Write {
  op: 'increment' | 'update'
  attribute: string
  date: string
  /** What is sent: a positive whole delta for increment, the whole total for update. */
  value: number
  /** The total Exist holds once this write is applied: what the ledger records. */
  target: number
}

/** A write Exist refused, with its error code (e.g. `unauthorised`: another service owns the attribute). */
export interface Refusal {
  write: Write
  code: string
  error: string
}

/** What Exist said about each write of one batch: what the ledger records. */
export interface BatchOutcome {
  confirmed: Write[]
  refused: Refusal[]
  /** Sent, but Exist's answer did not say: stays pending, the next run sets the absolute value. */
  unknown: { write: Write; error: string }[]
}

export interface PlanInput {
  targets: Targets
  /** Attributes we own and sync; ledger rows of others are left alone. */
  attributes: readonly string[]
  /** The window's local dates: nothing is ever written outside them. */
  dates: readonly string[]
  ledger: readonly LedgerRow[]
}

export function planWrites({ targets, attributes, dates, ledger }: PlanInput): Write[] {
  const rows = new Map<string, LedgerRow>()
  for (const row of ledger) rows.set(key(row.attribute, row.date), row)

  const writes: Write[] = []
  for (const attribute of attributes) {
    const perDay = targets.get(attribute)
    for (const date of dates) {
      const target = perDay?.get(date) ?? 0
      if (!Number.isSafeInteger(target) || target < 0) {
        throw new RangeError(`Invalid target ${target} for ${attribute} on ${date}`)
      }
      const row = rows.get(key(attribute, date))
      const sent = row?.value ?? 0
      if (row?.pending) {
        // The last push may or may not have landed: only an absolute value is safe.
        writes.push({ op: 'update', attribute, date, value: target, target })
      } else if (target > sent) {
        writes.push({ op: 'increment', attribute, date, value: target - sent, target })
      } else if (target < sent) {
        // Exist refuses negative increments for durations: shrink with an absolute total.
        writes.push({ op: 'update', attribute, date, value: target, target })
      }
    }
  }
  return writes
}

const key = (attribute: string, date: string) => `${attribute}\u0000${date}`
