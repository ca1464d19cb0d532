/** The planner's rules: increment up, update down, pending rows set absolutely, nothing outside the window. */
import { describe, expect, it } from 'vitest'
import { type LedgerRow, planWrites } from '../../src/core/plan-writes.ts'

const targets = (entries: Record<string, Record<string, number>>) =>
  new Map(Object.entries(entries).map(([a, days]) => [a, new Map(Object.entries(days))]))
const dates = ['2026-11-18', '2026-11-19', '2026-11-20']
const row = (attribute: string, date: string, value: number, pending = false): LedgerRow => ({
  attribute,
  date,
  value,
  pending,
})

describe('planWrites', () => {
  it('increments what grew, updates what shrank, leaves equal days alone', () => {
    const writes = planWrites({
      targets: targets({ p: { '2026-11-18': 30, '2026-11-19': 10, '2026-11-20': 5 } }),
      attributes: ['p'],
      dates,
      ledger: [row('p', '2026-11-18', 20), row('p', '2026-11-19', 25), row('p', '2026-11-20', 5)],
    })
    expect(writes).toEqual([
      { op: 'increment', attribute: 'p', date: '2026-11-18', value: 10, target: 30 },
      { op: 'update', attribute: 'p', date: '2026-11-19', value: 10, target: 10 },
    ])
  })

  it('sets pending rows absolutely, even when the value looks unchanged', () => {
    const writes = planWrites({
      targets: targets({ p: { '2026-11-19': 40 } }),
      attributes: ['p'],
      dates,
      ledger: [row('p', '2026-11-19', 40, true), row('p', '2026-11-20', 12, true)],
    })
    expect(writes).toEqual([
      { op: 'update', attribute: 'p', date: '2026-11-19', value: 40, target: 40 },
      { op: 'update', attribute: 'p', date: '2026-11-20', value: 0, target: 0 },
    ])
  })

  it('corrects a deleted day to zero with an update, and writes nothing for empty days', () => {
    const writes = planWrites({
      targets: targets({}),
      attributes: ['p'],
      dates,
      ledger: [row('p', '2026-11-18', 15)],
    })
    expect(writes).toEqual([
      { op: 'update', attribute: 'p', date: '2026-11-18', value: 0, target: 0 },
    ])
  })

  it('never writes outside the window or for attributes it does not sync', () => {
    const writes = planWrites({
      targets: targets({ p: { '2026-11-01': 50 }, q: { '2026-11-19': 9 } }),
      attributes: ['p'],
      dates,
      ledger: [row('p', '2026-11-01', 10), row('q', '2026-11-19', 1)],
    })
    expect(writes).toEqual([])
  })

  it('refuses fractional or negative targets', () => {
    expect(() =>
      planWrites({
        targets: targets({ p: { '2026-11-18': 1.5 } }),
        attributes: ['p'],
        dates,
        ledger: [],
      }),
    ).toThrow(/Invalid target/)
  })
})
