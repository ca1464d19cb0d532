/** Runs every due user with bounded concurrency; one user's failure never stops the others. */
import pLimit from 'p-limit'
import type { Deps } from '../deps.ts'
import { emptySummary, type RunReport, type Trigger } from '../store/run-store.ts'
import { dueUserIds } from '../store/user-store.ts'
import { syncUser } from './sync-user.ts'

/**
 * Users whose runs may start now: syncing, and not asked by an API to wait. `page` reads them in
 * id order a slice at a time (the Worker's schedule pages through 100,000 users this way).
 */
export async function dueUsers(
  deps: Deps,
  page?: { afterId: number; limit: number },
): Promise<number[]> {
  return dueUserIds(deps.db, deps.now(), page)
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
          return {
            user: id,
            status: 'error',
            summary: emptySummary(),
            error: String(error),
          } satisfies RunReport
        }
      }),
    ),
  )
}
