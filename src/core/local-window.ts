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

const validZones = new Map<string, boolean>()

/** Memoised: luxon checks a zone by building an Intl.DateTimeFormat, ~50 µs each time. */
export function isValidZone(zone: string): boolean {
  let valid = validZones.get(zone)
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone)
    // Bounded: zone names come from Exist profiles, but a hostile one must not grow this forever.
    if (validZones.size < 1_000) validZones.set(zone, valid)
  }
  return valid
}

/** The last window computed per (zone, days): thousands of users share a few zones and one local day. */
const recent = new Map<string, LocalWindow>()

/**
 * The window containing `nowMs`. Windows are shared between calls (treat them as read-only): a
 * window stays right for every instant of its `today`, so a scheduled pass computes each zone's
 * window once instead of ~30 luxon operations per user.
 */
export function localWindow(nowMs: number, zone: string, days: number): LocalWindow {
  const key = `${days} ${zone}`
  const cached = recent.get(key)
  if (cached && cached.bounds[days - 1]! <= nowMs && nowMs < cached.bounds[days]!) return cached
  const window = computeWindow(nowMs, zone, days)
  if (recent.size >= 1_000) recent.clear()
  recent.set(key, window)
  return window
}

function computeWindow(nowMs: number, zone: string, days: number): LocalWindow {
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

/** The local date `days` before `date` (`YYYY-MM-DD`), for retention. Memoised: every run asks, with a few dates a day. */
export function localDateMinus(date: string, days: number): string {
  const key = `${date} ${days}`
  let before = datesBefore.get(key)
  if (before === undefined) {
    before = DateTime.fromISO(date, { zone: 'utc' }).minus({ days }).toISODate()!
    if (datesBefore.size >= 1_000) datesBefore.clear()
    datesBefore.set(key, before)
  }
  return before
}
const datesBefore = new Map<string, string>()

/** A UTC instant as RFC 3339 without milliseconds (what Toggl and Clockify accept). */
export function utcInstant(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!
}

/** Start of the local day before the window: sources filter by start time, so entries that began the evening before are fetched too. */
export function overFetchStart(window: LocalWindow): number {
  let start = overFetch.get(window)
  if (start === undefined) {
    start = DateTime.fromMillis(window.bounds[0]!, { zone: window.zone })
      .minus({ days: 1 })
      .toMillis()
    overFetch.set(window, start)
  }
  return start
}
const overFetch = new WeakMap<LocalWindow, number>()

/**
 * Local dates `first`..`last` (inclusive) of `zone` as a window, so the history import buckets with
 * the very function the sync uses (midnight split, DST days of 23 or 25 hours, one rounding per day).
 */
export function localDays(zone: string, first: string, last: string): LocalWindow {
  if (!isValidZone(zone)) throw new RangeError(`Unknown time zone "${zone}"`)
  const start = DateTime.fromISO(first, { zone }).startOf('day')
  const end = DateTime.fromISO(last, { zone }).startOf('day')
  if (!start.isValid || !end.isValid || end < start) {
    throw new RangeError(`Invalid local date range ${first}..${last}`)
  }
  const dates: string[] = []
  const bounds: number[] = []
  for (let day = start; day <= end; day = day.plus({ days: 1 }).startOf('day')) {
    dates.push(day.toISODate()!)
    bounds.push(day.toMillis())
  }
  bounds.push(end.plus({ days: 1 }).startOf('day').toMillis())
  return { zone, dates, bounds, today: last }
}
