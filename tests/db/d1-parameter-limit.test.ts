/** Every multi-row insert stays within D1's 100 bound parameters per statement. */
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIST_BATCH } from '../../src/clients/exist/exist-client.ts'
import type { Write } from '../../src/core/plan-writes.ts'
import type { SourceAccount } from '../../src/core/source-types.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { D1_MAX_PARAMS, type Statement } from '../../src/store/database.ts'
import { markPending, recordOutcome } from '../../src/store/ledger-store.ts'
import { replaceProjects } from '../../src/store/project-cache.ts'
import { users } from '../../src/store/schema.ts'

/** D1 refuses statements binding over 100 parameters; the multi-row inserts must stay under it. */
describe('statements stay within D1 bound-parameter limit', () => {
  const { db, close } = openSqlite(':memory:')
  afterAll(() => close())
  const params = (s: Statement) =>
    (s as unknown as { toSQL(): { params: unknown[] } }).toSQL().params.length

  it('marking a month of six attributes pending', () => {
    const writes: Write[] = []
    for (const attribute of ['a', 'b', 'c', 'd', 'e', 'f']) {
      for (let d = 1; d <= 31; d++) {
        writes.push({
          op: 'update',
          attribute,
          date: `2026-01-${String(d).padStart(2, '0')}`,
          value: d,
          target: d,
        })
      }
    }
    const statements = markPending(db, 1, writes, 0)
    expect(statements.length).toBeGreaterThan(1)
    for (const s of statements) expect(params(s)).toBeLessThanOrEqual(D1_MAX_PARAMS)
  })

  it('settling a full Exist batch: one statement per outcome, within the limit', () => {
    const writes: Write[] = Array.from({ length: EXIST_BATCH }, (_, d) => ({
      op: 'increment',
      attribute: 'productive_min',
      date: `2026-01-${String(d + 1).padStart(2, '0')}`,
      value: 5,
      target: 5,
    }))
    // The ledger's UPDATE, and the stored Exist values' (24 days per statement).
    const confirmed = recordOutcome(db, 1, { confirmed: writes, refused: [], unknown: [] }, 0)
    expect(confirmed).toHaveLength(3)
    const unknown = recordOutcome(
      db,
      1,
      { confirmed: [], refused: [], unknown: writes.map((write) => ({ write, error: 'lost' })) },
      0,
    )
    expect(unknown).toHaveLength(1)
    for (const s of [...confirmed, ...unknown]) expect(params(s)).toBeLessThanOrEqual(D1_MAX_PARAMS)
  })

  it('caching 250 projects for a user created in the same batch', () => {
    const account: SourceAccount = {
      source: 'toggl',
      accountId: '1',
      label: 'alice',
      meta: null,
      projects: Array.from({ length: 250 }, (_, i) => ({
        project: `toggl:${i}`,
        name: `Project ${i}`,
        workspaceId: '1',
        workspaceName: 'Workspace',
        clientName: 'Client',
        color: '#0b83d9',
        archived: false,
      })),
    }
    const userId = sql`(select ${users.id} from ${users} where ${users.existUsername} = ${'alice'})`
    for (const s of replaceProjects(db, userId, account, 0))
      expect(params(s)).toBeLessThanOrEqual(D1_MAX_PARAMS)
  })
})
