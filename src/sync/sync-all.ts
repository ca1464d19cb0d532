/** Runs every due user with bounded concurrency; one user's failure never stops the others. */
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm'
import pLimit from 'p-limit'
import { users } from '../db/schema.ts'
import type { Deps } from '../deps.ts'
import { emptySummary, type RunReport } from './run-store.ts'
import { syncUser, type Trigger } from './sync-user.ts'

/**
 * Users whose runs may start now: syncing, and not asked by an API to wait. `page` reads them in
 * id order a slice at a time (the Worker's schedule pages through 100,000 users this way).
 */
export async function dueUsers(deps: Deps, page?: { afterId: number; limit: number }): Promise<number[]> {
  const now = new Date(deps.now())
  const due = and(eq(users.syncing, true), or(isNull(users.retryAfter), lt(users.retryAfter, now)))
  const query = deps.db
    .select({ id: users.id })
    .from(users)
    .where(page ? and(due, gt(users.id, page.afterId)) : due)
    .orderBy(users.id)
  const rows = page ? await query.limit(page.limit) : await query
  return rows.map((r) => r.id)
}

/** Users synced at once by default (see README "Capacity" for the measurements behind it). */
export const DEFAULT_SYNC_CONCURRENCY = 8

export async function syncAll(
  deps: Deps,
  trigger: Trigger,
  opts: { concurrency?: number; userIds?: number[] } = {},
): Promise<RunReport[]> {
  const ids = opts.userIds ?? (await dueUsers(deps))
  const limit = pLimit(opts.concurrency ?? DEFAULT_SYNC_CONCURRENCY)
  return Promise.all(
    ids.map((id) =>
      limit(async () => {
        try {
          return await syncUser(deps, id, trigger)
        } catch (error) {
          deps.log.error('sync_user_crashed', { user: id, error: String(error) })
          return { user: id, status: 'error', summary: emptySummary(), error: String(error) } satisfies RunReport
        }
      }),
    ),
  )
}
