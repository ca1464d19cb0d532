/** An independent reference for day totals: walks each entry day by day with luxon (no shared code with the bucketing). */
import { DateTime } from 'luxon'

export interface OracleEntry {
  project: string
  start: number
  stop: number | null
}

/** attribute → date → minutes, only for the given dates. */
export function trueMinutes(
  entries: OracleEntry[],
  attributeOf: ReadonlyMap<string, string>,
  zone: string,
  dates: readonly string[],
  now: number,
): Map<string, Map<string, number>> {
  const seconds = new Map<string, Map<string, number>>()
  const nowSec = Math.floor(now / 1000) * 1000
  for (const e of entries) {
    const attribute = attributeOf.get(e.project)
    if (!attribute) continue
    const stop = e.stop ?? nowSec
    let cursor = DateTime.fromMillis(e.start, { zone })
    while (cursor.toMillis() < stop) {
      const next = cursor.startOf('day').plus({ days: 1 })
      const part = Math.min(stop, next.toMillis()) - cursor.toMillis()
      const perDay = seconds.get(attribute) ?? new Map<string, number>()
      seconds.set(attribute, perDay)
      const date = cursor.toISODate()!
      perDay.set(date, (perDay.get(date) ?? 0) + part / 1000)
      cursor = next
    }
  }
  const out = new Map<string, Map<string, number>>()
  for (const attribute of new Set(attributeOf.values())) {
    const perDay = new Map<string, number>()
    for (const date of dates)
      perDay.set(date, Math.round((seconds.get(attribute)?.get(date) ?? 0) / 60))
    out.set(attribute, perDay)
  }
  return out
}
