/** The local-day window and per-day minutes: midnight splits, DST days, running entries, one rounding per day. */
import { describe, expect, it } from 'vitest'
import { bucketMinutes, type TimeEntry } from '../../src/core/bucket-minutes.ts'
import {
  localDateMinus,
  localWindow,
  overFetchStart,
  utcInstant,
} from '../../src/core/local-window.ts'

const at = (iso: string) => Date.parse(iso)
const HOUR = 3_600_000

describe('localWindow', () => {
  it('lists the last N local days, today included, in the given zone', () => {
    // 23:30 UTC on the 20th is already the 21st in Berlin
    const w = localWindow(at('2026-11-20T23:30:00Z'), 'Europe/Berlin', 14)
    expect(w.today).toBe('2026-11-21')
    expect(w.dates[0]).toBe('2026-11-08')
    expect(w.dates.at(-1)).toBe('2026-11-21')
    expect(w.dates).toHaveLength(14)
    expect(w.bounds[0]).toBe(at('2026-11-07T23:00:00Z'))
    expect(w.bounds[14]).toBe(at('2026-11-21T23:00:00Z'))
  })

  it('has 23- and 25-hour days across DST changes', () => {
    const spring = localWindow(at('2026-03-30T10:00:00Z'), 'Europe/Berlin', 3)
    expect(spring.dates).toEqual(['2026-03-28', '2026-03-29', '2026-03-30'])
    expect(spring.bounds[2]! - spring.bounds[1]!).toBe(23 * HOUR)
    const autumn = localWindow(at('2026-10-26T10:00:00Z'), 'America/New_York', 14)
    const fall = autumn.dates.indexOf('2026-11-01')
    expect(fall).toBe(-1)
    const ny = localWindow(at('2026-11-02T15:00:00Z'), 'America/New_York', 3)
    expect(ny.dates).toEqual(['2026-10-31', '2026-11-01', '2026-11-02'])
    expect(ny.bounds[2]! - ny.bounds[1]!).toBe(25 * HOUR)
  })

  it('over-fetches from the start of the local day before the window', () => {
    const w = localWindow(at('2026-11-20T12:00:00Z'), 'Asia/Kolkata', 14)
    expect(utcInstant(overFetchStart(w))).toBe('2026-11-05T18:30:00Z')
  })

  it('rejects unknown zones and computes retention dates on the calendar', () => {
    expect(() => localWindow(0, 'Mars/Olympus', 14)).toThrow(/Unknown time zone/)
    expect(localDateMinus('2026-03-30', 21)).toBe('2026-03-09')
  })
})

describe('bucketMinutes', () => {
  const window = localWindow(at('2026-11-20T12:00:00Z'), 'Europe/Berlin', 14)
  const attributeOf = new Map([
    ['toggl:1', 'productive_min'],
    ['toggl:2', 'productive_min'],
    ['toggl:3', 'tv_min'],
  ])
  const run = (
    entries: TimeEntry[],
    now = at('2026-11-20T12:00:00Z'),
    w = window,
    map = attributeOf,
  ) => bucketMinutes(entries, map, w, now)

  it('splits an entry at local midnight', () => {
    // 22:30 → 01:15 Berlin time
    const t = run([
      {
        project: 'toggl:3',
        startMs: at('2026-11-18T21:30:00Z'),
        stopMs: at('2026-11-19T00:15:00Z'),
      },
    ])
    expect(t.get('tv_min')!.get('2026-11-18')).toBe(90)
    expect(t.get('tv_min')!.get('2026-11-19')).toBe(75)
  })

  it('sums projects per attribute and rounds each day once', () => {
    // three 40-second entries: per-entry rounding would give 3, the day total is 2 minutes
    const entries = [0, 1, 2].map((i) => ({
      project: `toggl:${(i % 2) + 1}`,
      startMs: at('2026-11-19T10:00:00Z') + i * HOUR,
      stopMs: at('2026-11-19T10:00:40Z') + i * HOUR,
    }))
    expect(run(entries).get('productive_min')!.get('2026-11-19')).toBe(2)
  })

  it('counts a running entry up to now and ignores unmapped projects', () => {
    const t = run(
      [
        { project: 'toggl:1', startMs: at('2026-11-20T10:00:00Z'), stopMs: null },
        {
          project: 'toggl:9',
          startMs: at('2026-11-20T08:00:00Z'),
          stopMs: at('2026-11-20T09:00:00Z'),
        },
      ],
      at('2026-11-20T11:29:59.900Z'),
    )
    expect(t.get('productive_min')!.get('2026-11-20')).toBe(90)
    expect([...t.keys()].sort()).toEqual(['productive_min', 'tv_min'])
  })

  it('clips entries to the window and gives every window day a value', () => {
    const t = run([
      // 23:30 on the 6th → 01:30 on the 7th, Berlin time: only the part on the 7th is in the window
      {
        project: 'toggl:1',
        startMs: at('2026-11-06T22:30:00Z'),
        stopMs: at('2026-11-07T00:30:00Z'),
      },
      {
        project: 'toggl:1',
        startMs: at('2026-11-21T22:00:00Z'),
        stopMs: at('2026-11-21T23:30:00Z'),
      },
    ])
    const perDay = t.get('productive_min')!
    expect(perDay.size).toBe(14)
    expect(perDay.get('2026-11-07')).toBe(90)
    expect([...perDay.values()].reduce((a, b) => a + b)).toBe(90)
  })

  it('handles the 25-hour day of a DST change', () => {
    const w = localWindow(at('2026-10-26T12:00:00Z'), 'Europe/Berlin', 3)
    const t = run(
      [
        {
          project: 'toggl:1',
          startMs: at('2026-10-24T22:00:00Z'),
          stopMs: at('2026-10-25T23:00:00Z'),
        },
      ],
      at('2026-10-26T12:00:00Z'),
      w,
    )
    expect(t.get('productive_min')!.get('2026-10-25')).toBe(25 * 60)
  })
})
