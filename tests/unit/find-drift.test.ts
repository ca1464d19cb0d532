/** findDrift: exactly the read, non-pending (attribute, day) pairs where Exist holds another number than the ledger. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findDrift } from '../../src/core/find-drift.ts'

const DATES = ['2026-11-18', '2026-11-19', '2026-11-20']

describe('findDrift', () => {
  it('judges each day: equal, hand-edited, pending, never sent, not read, null', () => {
    const drift = findDrift({
      attributes: ['productive_min', 'tv_min'],
      dates: DATES,
      ledger: [
        { attribute: 'productive_min', date: '2026-11-18', value: 60, pending: false },
        { attribute: 'productive_min', date: '2026-11-19', value: 120, pending: false },
        { attribute: 'productive_min', date: '2026-11-20', value: 30, pending: true },
        { attribute: 'tv_min', date: '2026-11-19', value: 0, pending: false },
      ],
      exist: [
        { attribute: 'productive_min', date: '2026-11-18', value: 60 },
        { attribute: 'productive_min', date: '2026-11-19', value: 95 },
        { attribute: 'productive_min', date: '2026-11-20', value: 99 },
        { attribute: 'tv_min', date: '2026-11-18', value: 15 },
        { attribute: 'tv_min', date: '2026-11-19', value: null },
        { attribute: 'gaming_min', date: '2026-11-19', value: 5 },
      ],
    })
    expect(drift).toEqual([
      { attribute: 'productive_min', date: '2026-11-19', exist: 95, sent: 120 },
      { attribute: 'tv_min', date: '2026-11-18', exist: 15, sent: 0 },
    ])
  })

  it('for random ledgers and readings, drift is exactly the differing read non-pending days', () => {
    const day = fc.record({
      sent: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
      pending: fc.boolean(),
      read: fc.boolean(),
      held: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
    })
    fc.assert(
      fc.property(fc.array(day, { minLength: DATES.length, maxLength: DATES.length }), (days) => {
        const ledger = days.flatMap((d, i) =>
          d.sent === undefined
            ? []
            : [{ attribute: 'a', date: DATES[i]!, value: d.sent, pending: d.pending }],
        )
        const exist = days.flatMap((d, i) =>
          d.read ? [{ attribute: 'a', date: DATES[i]!, value: d.held }] : [],
        )
        const expected = days.flatMap((d, i) => {
          const pending = d.sent !== undefined && d.pending
          const sent = d.sent ?? 0
          const held = d.held ?? 0
          return d.read && !pending && held !== sent
            ? [{ attribute: 'a', date: DATES[i]!, exist: held, sent }]
            : []
        })
        expect(findDrift({ attributes: ['a'], dates: DATES, ledger, exist })).toEqual(expected)
      }),
    )
  })
})
