/** Splits time entries at local midnight and sums them per (attribute, local day), rounding each day once to whole minutes. */
import type { LocalWindow } from './local-window.ts'
import { compileRules, type EntryFacts, type Rule } from './rules.ts'

/** A time entry: what rules match on (project, tags, description, client, workspace) and when it ran. */
export interface TimeEntry extends EntryFacts {
  startMs: number
  /** null while the timer runs: it counts up to now. */
  stopMs: number | null
}

/** attribute → date → whole minutes, for every mapped attribute and every window date (0 when nothing was tracked). */
export type Targets = Map<string, Map<string, number>>

/**
 * `rules` is the ordered rule list (first match wins, so an entry counts once), or a plain
 * project → attribute map (project rules only). Every attribute a rule names gets a row of days.
 */
export function bucketMinutes(
  entries: Iterable<TimeEntry>,
  rules: readonly Rule[] | ReadonlyMap<string, string>,
  window: LocalWindow,
  nowMs: number,
): Targets {
  const list: readonly Rule[] =
    rules instanceof Map
      ? [...rules].map(([value, attribute]) => ({ kind: 'project' as const, value, attribute }))
      : (rules as readonly Rule[])
  const attributeOf = compileRules(list)
  const { bounds, dates } = window
  const days = dates.length
  const ms = new Map<string, Float64Array>()
  for (const r of list) if (!ms.has(r.attribute)) ms.set(r.attribute, new Float64Array(days))

  // Running entries count up to the current whole second, the resolution sources report in.
  const nowSec = Math.floor(nowMs / 1000) * 1000
  for (const entry of entries) {
    const attribute = attributeOf(entry)
    if (attribute === undefined) continue
    const start = Math.max(entry.startMs, bounds[0]!)
    const stop = Math.min(entry.stopMs ?? nowSec, bounds[days]!)
    if (!(stop > start)) continue
    const sums = ms.get(attribute)!
    for (let i = firstDayOf(bounds, start); i < days && bounds[i]! < stop; i++) {
      const overlap = Math.min(stop, bounds[i + 1]!) - Math.max(start, bounds[i]!)
      if (overlap > 0) sums[i]! += overlap
    }
  }

  const targets: Targets = new Map()
  for (const [attribute, sums] of ms) {
    const perDay = new Map<string, number>()
    // One rounding per (attribute, day): Exist only takes integer minutes.
    for (const [i, date] of dates.entries()) perDay.set(date, Math.round(sums[i]! / 60_000))
    targets.set(attribute, perDay)
  }
  return targets
}

/** Index of the day containing `instant` (bounds are sorted). */
function firstDayOf(bounds: number[], instant: number): number {
  let lo = 0
  let hi = bounds.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (bounds[mid]! <= instant) lo = mid
    else hi = mid - 1
  }
  return lo
}
