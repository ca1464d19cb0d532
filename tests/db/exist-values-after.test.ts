/** The stored Exist values follow confirmed writes in a few statements: updates set, increments add, unread days stay unknown. */
import { and, eq } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import type { Write } from '../../src/core/plan-writes.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { atomically, D1_MAX_PARAMS, type Statement } from '../../src/store/database.ts'
import { existValuesAfter, replaceExistValues } from '../../src/store/exist-values-store.ts'
import { existValues, users } from '../../src/store/schema.ts'

describe('existValuesAfter', () => {
  const { db, close } = openSqlite(':memory:')
  afterAll(() => close())
  const params = (s: Statement) =>
    (s as unknown as { toSQL(): { params: unknown[] } }).toSQL().params.length

  it('sets updated days, adds increments (a null day counts as 0), leaves days never read alone', async () => {
    await db.insert(users).values({
      existUsername: 'ev',
      timezone: 'UTC',
      timezoneCheckedAt: new Date(0),
      existAuth: 'personal',
      existToken: 'sealed',
    })
    const [{ id }] = (await db.select({ id: users.id }).from(users)) as [{ id: number }]
    await atomically(
      db,
      replaceExistValues(
        db,
        id,
        [
          { attribute: 'tv_min', date: '2026-11-01', value: 30 },
          { attribute: 'tv_min', date: '2026-11-02', value: null },
          { attribute: 'productive_min', date: '2026-11-01', value: 100 },
          { attribute: 'productive_min', date: '2026-11-02', value: 7 },
        ],
        0,
      ),
    )
    const w = (op: Write['op'], attribute: string, date: string, value: number): Write => ({
      op,
      attribute,
      date,
      value,
      target: value,
    })
    // Forty days: more than one statement's worth, with one of each kind that matters among them.
    const confirmed = [
      w('increment', 'tv_min', '2026-11-01', 15),
      w('increment', 'tv_min', '2026-11-02', 20),
      w('update', 'productive_min', '2026-11-01', 60),
      ...Array.from({ length: 37 }, (_, i) =>
        w('update', 'gaming_min', `2026-10-${String(i + 1).padStart(2, '0')}`, i),
      ),
    ]
    const statements = existValuesAfter(db, id, confirmed)
    expect(statements).toHaveLength(2)
    for (const s of statements) expect(params(s)).toBeLessThanOrEqual(D1_MAX_PARAMS)
    await atomically(db, statements)
    const rows = await db
      .select({
        attribute: existValues.attribute,
        date: existValues.date,
        value: existValues.value,
      })
      .from(existValues)
      .where(and(eq(existValues.userId, id)))
    expect(
      rows.sort((a, b) => `${a.attribute}${a.date}`.localeCompare(`${b.attribute}${b.date}`)),
    ).toEqual([
      { attribute: 'productive_min', date: '2026-11-01', value: 60 },
      { attribute: 'productive_min', date: '2026-11-02', value: 7 },
      { attribute: 'tv_min', date: '2026-11-01', value: 45 },
      { attribute: 'tv_min', date: '2026-11-02', value: 20 },
    ])
  })
})
