/** Run history is pruned in steps: it grows to 60 runs, then the run that finds 60 cuts it back to the newest 50. */
import { count, desc, eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KEEP_RUNS, PRUNE_SLACK } from '../../src/store/run-store.ts'
import { runs } from '../../src/store/schema.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, HOUR } from '../helpers/harness.ts'
import { mappedPerson, type Person } from '../helpers/scenario.ts'

describe('run history', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPerson(h)
  })
  afterEach(() => h.close())

  it('keeps the newest 50, deleting only once 60 have piled up', { timeout: 60_000 }, async () => {
    const kept = async () =>
      (await h.deps.db.select({ n: count() }).from(runs).where(eq(runs.userId, p.user)))[0]!.n
    const sizes: number[] = []
    for (let i = 0; i < KEEP_RUNS + PRUNE_SLACK + 1; i++) {
      h.advance(HOUR)
      expect((await syncUser(h.deps, p.user, 'schedule')).status).toBe('ok')
      sizes.push(await kept())
    }
    expect(sizes.slice(0, KEEP_RUNS + PRUNE_SLACK)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    )
    expect(sizes.at(-1)).toBe(KEEP_RUNS)
    const [newest] = await h.deps.db
      .select()
      .from(runs)
      .where(eq(runs.userId, p.user))
      .orderBy(desc(runs.id))
      .limit(1)
    expect(newest!.startedAt.getTime()).toBe(h.clock.now)
  })
})
