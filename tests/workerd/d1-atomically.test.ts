/** `atomically` on D1: a batch commits or rolls back as one. */
import { env } from 'cloudflare:workers'
import { count, eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { workerDeps } from '../../src/entry/worker-deps.ts'
import { atomically } from '../../src/store/database.ts'
import { users } from '../../src/store/schema.ts'
import { clearTables } from './worker-harness.ts'

/** D1 has no interactive transactions: `atomically` must get all-or-nothing from `batch`. */
describe('atomically on D1', () => {
  beforeEach(() => clearTables())

  const user = (name: string) => ({
    existUsername: name,
    timezone: 'UTC',
    timezoneCheckedAt: new Date(0),
    existAuth: 'personal' as const,
    existToken: 'v1.sealed.token',
  })

  it('applies every statement of a batch', async () => {
    const { db } = await workerDeps(env)
    await atomically(db, [
      db.insert(users).values(user('ann')),
      db.insert(users).values(user('bob')),
    ])
    expect(await db.select({ n: count() }).from(users)).toEqual([{ n: 2 }])
  })

  it('applies none when one fails', async () => {
    const { db } = await workerDeps(env)
    await db.insert(users).values(user('ann'))
    await expect(
      atomically(db, [
        db.update(users).set({ timezone: 'Europe/Berlin' }).where(eq(users.existUsername, 'ann')),
        db.insert(users).values(user('cat')),
        db.insert(users).values(user('ann')), // unique exist_username
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed/)
    expect(
      await db.select({ name: users.existUsername, timezone: users.timezone }).from(users),
    ).toEqual([{ name: 'ann', timezone: 'UTC' }])
  })
})
