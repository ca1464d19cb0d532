/** Pure: which (attribute, day) pairs Exist holds differently from what the ledger says Timebridge sent. */
import type { LedgerRow } from './plan-writes.ts'

/** What Exist held for one (attribute, day) when read back; null is "no value", the same as 0 for durations. */
export interface ExistDay {
  attribute: string
  date: string
  value: number | null
}

export interface Drift {
  attribute: string
  date: string
  /** Minutes Exist holds. */
  exist: number
  /** Minutes Timebridge sent (the ledger's confirmed value; 0 when it sent nothing). */
  sent: number
}

export interface DriftInput {
  /** Attributes to judge (the ones Timebridge owns and syncs). */
  attributes: readonly string[]
  /** The window's dates: nothing outside it is judged. */
  dates: readonly string[]
  ledger: readonly LedgerRow[]
  /** What Exist holds; a pair missing here was not read and is not judged. */
  exist: readonly ExistDay[]
}

/**
 * A pair drifts when Exist holds another number than the ledger's confirmed value. A pending row is
 * never drift: its last write's outcome is unknown and the next run sets the day absolutely anyway.
 */
export function findDrift({ attributes, dates, ledger, exist }: DriftInput): Drift[] {
  const rows = new Map(ledger.map((r) => [key(r.attribute, r.date), r]))
  const held = new Map(exist.map((e) => [key(e.attribute, e.date), e.value]))
  const drift: Drift[] = []
  for (const attribute of attributes) {
    for (const date of dates) {
      const k = key(attribute, date)
      if (!held.has(k)) continue
      const row = rows.get(k)
      if (row?.pending) continue
      const sent = row?.value ?? 0
      const value = held.get(k) ?? 0
      if (value !== sent) drift.push({ attribute, date, exist: value, sent })
    }
  }
  return drift
}

const key = (attribute: string, date: string) => `${attribute}\u0000${date}`
