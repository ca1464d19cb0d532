/** The sync window: the last N local days (today included) in the user's Exist time zone, with their exact boundaries. */
import { DateTime, IANAZone } from 'luxon'

export interface LocalWindow {
  zone: string
  /** Local dates, oldest first, `YYYY-MM-DD`. */
  dates: string[]
  /** `bounds[i]` is the instant local `dates[i]` starts; `bounds[dates.length]` is tomorrow's start. */
  bounds: number[]
  today: string
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone)
}

export function localWindow(nowMs: number, zone: string, days: number): LocalWindow {
  if (!isValidZone(zone)) throw new RangeError(`Unknown time zone "${zone}"`)
  const today = DateTime.fromMillis(nowMs, { zone }).startOf('day')
  const first = today.minus({ days: days - 1 })
  const dates: string[] = []
  const bounds: number[] = []
  for (let i = 0; i <= days; i++) {
    // Calendar arithmetic in the zone: DST days come out 23 or 25 hours long.
    const day = first.plus({ days: i }).startOf('day')
    bounds.push(day.toMillis())
    if (i < days) dates.push(day.toISODate()!)
  }
  return { zone, dates, bounds, today: today.toISODate()! }
}

/** The local date `days` before `date` (`YYYY-MM-DD`), for retention. */
export function localDateMinus(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'utc' }).minus({ days }).toISODate()!
}

/** A UTC instant as RFC 3339 without milliseconds (what Toggl and Clockify accept). */
export function utcInstant(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!
}

/** Start of the local day before the window: sources filter by start time, so entries that began the evening before are fetched too. */
export function overFetchStart(window: LocalWindow): number {
  return DateTime.fromMillis(window.bounds[0]!, { zone: window.zone }).minus({ days: 1 }).toMillis()
}
