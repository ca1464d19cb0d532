/** Years of made-up tracked time for the history import tests, and the check that Exist holds the truth for every imported day. */
import { DateTime } from 'luxon'
import { expect } from 'vitest'
import type { FakeExist, FakeExistUser } from '../fakes/fake-exist.ts'
import { type OracleEntry, trueMinutes } from './oracle.ts'

/** A small deterministic generator, so a failure replays. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

/**
 * 0–3 entries a day from `first` to `last` (local dates of `zone`), at any second of the day, from
 * a minute to three hours long: some cross midnight, some fall on DST days.
 */
export function historyEntries(
  zone: string,
  first: string,
  last: string,
  projects: readonly string[],
  seed = 7,
): { project: string; start: number; stop: number }[] {
  const random = seeded(seed)
  const out: { project: string; start: number; stop: number }[] = []
  const end = DateTime.fromISO(last, { zone })
  for (let day = DateTime.fromISO(first, { zone }); day <= end; day = day.plus({ days: 1 })) {
    const n = Math.floor(random() * 4)
    for (let i = 0; i < n; i++) {
      const start = day.toMillis() + Math.floor(random() * 86_400) * 1000
      const stop = start + (60 + Math.floor(random() * 3 * 3600)) * 1000
      out.push({ project: projects[Math.floor(random() * projects.length)]!, start, stop })
    }
  }
  return out
}

/** Every local date from `since` to `until`. */
export function datesBetween(since: string, until: string): string[] {
  const dates: string[] = []
  const end = DateTime.fromISO(until, { zone: 'utc' })
  for (let d = DateTime.fromISO(since, { zone: 'utc' }); d <= end; d = d.plus({ days: 1 }))
    dates.push(d.toISODate()!)
  return dates
}

/** Exist holds the independently computed truth for every attribute and every imported day. */
export function expectHistoryMatches(
  exist: FakeExist,
  existUser: FakeExistUser,
  zone: string,
  entries: OracleEntry[],
  attributeOf: ReadonlyMap<string, string>,
  dates: readonly string[],
  now: number,
) {
  const truth = trueMinutes(entries, attributeOf, zone, dates, now)
  const actual = new Map(
    [...truth.keys()].map((a) => [a, new Map(dates.map((d) => [d, exist.value(existUser, a, d)]))]),
  )
  expect(actual).toEqual(truth)
  // Not a vacuous pass: the history holds real time.
  expect([...truth.values()].some((m) => [...m.values()].some((v) => v > 0))).toBe(true)
}

/** Most requests in any one clock hour, from a fake's request log. */
export function peakPerHour(log: readonly { at?: number }[]): number {
  const perHour = new Map<number, number>()
  for (const r of log) {
    const hour = Math.floor((r.at ?? 0) / 3_600_000)
    perHour.set(hour, (perHour.get(hour) ?? 0) + 1)
  }
  return Math.max(0, ...perHour.values())
}
