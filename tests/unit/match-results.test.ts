/** Which items of an Exist write batch count as confirmed, refused or unknown. */
import { describe, expect, it } from 'vitest'
import { matchResults } from '../../src/clients/exist/push-writes.ts'
import type { Write } from '../../src/core/plan-writes.ts'

const w = (attribute: string, date: string, value: number): Write => ({
  op: 'increment',
  attribute,
  date,
  value,
  target: value,
})

describe('matchResults', () => {
  const batch = [w('p', '2026-11-18', 5), w('p', '2026-11-19', 7), w('t', '2026-11-19', 3)]

  it('confirms every item on 200', () => {
    expect(matchResults(batch, 200, { success: [], failed: [] }).confirmed).toHaveLength(3)
  })

  it('on 202 confirms only success items and keeps failed ones with their error', () => {
    const out = matchResults(batch, 202, {
      success: [
        { name: 'p', date: '2026-11-18', value: 5 },
        { name: 't', value: 3 },
      ],
      failed: [{ name: 'p', date: '2026-11-19', error_code: 'validation', error: 'Nope' }],
    })
    expect(out.confirmed.map((x) => x.date + x.attribute)).toEqual(['2026-11-18p', '2026-11-19t'])
    expect(out.refused).toEqual([{ write: batch[1], code: 'validation', error: 'Nope' }])
    expect(out.unknown).toEqual([])
  })

  it('leaves items neither confirmed nor refused as unknown', () => {
    const out = matchResults(batch, 202, {
      success: [],
      failed: [{ name: 't', error_code: 'unauthorised', error: 'x' }],
    })
    expect(out.refused.map((r) => r.write.attribute)).toEqual(['t'])
    expect(out.unknown.map((u) => u.write.date)).toEqual(['2026-11-18', '2026-11-19'])
  })
})
