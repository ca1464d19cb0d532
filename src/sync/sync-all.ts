/** Runs every due user with bounded concurrency; one user's failure never stops the others. */
import type { Deps } from '../deps.ts'
import { emptySummary, type RunReport, type Trigger } from '../store/run-store.ts'
import { dueUserIds } from '../store/user-store.ts'
import { continueImports } from './history-import.ts'
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

/**
 * Users synced at once by default. Measured with `npm run bench` (3,000 and 10,000 users, 50 ms
 * API latency, the V8 flags of `npm start`; README "Capacity"): at 16 the pass waits on the
 * network (10,000 × 50 ms / 16 = 31 s however fast the CPU); 32 keeps the core busy (steady pass
 * 17 s) within ~145 MB; 48–64 cost a little less CPU per user but held 5–15 MB more (more runs in
 * flight), and RSS is the tighter of the two targets. With real API latency (~300 ms) 32 syncs ~100 users a second, far more than an hour needs.
 */
export const DEFAULT_SYNC_CONCURRENCY = 32

/**
 * Syncs users `concurrency` at a time, handing each report to `onReport` as it comes: a pass over
 * tens of thousands of users holds no more than `concurrency` runs (and no report) in memory.
 */
export async function syncEach(
  deps: Deps,
  trigger: Trigger,
  onReport: (report: RunReport) => void,
  opts: { concurrency?: number; userIds?: number[] } = {},
): Promise<void> {
  const ids = opts.userIds ?? (await dueUsers(deps))
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!
      try {
        onReport(await syncUser(deps, id, trigger))
      } catch (error) {
        deps.log.error('sync_user_crashed', { user: id, error: String(error) })
        onReport({ user: id, status: 'error', summary: emptySummary(), error: String(error) })
      }
    }
  }
  const workers = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_SYNC_CONCURRENCY, ids.length))
  await Promise.all(Array.from({ length: workers }, worker))
}

/** Every report, in the order of the user ids (the CLI prints them). */
export async function syncAll(
  deps: Deps,
  trigger: Trigger,
  opts: { concurrency?: number; userIds?: number[] } = {},
): Promise<RunReport[]> {
  const ids = opts.userIds ?? (await dueUsers(deps))
  const reports = new Map<number, RunReport>()
  await syncEach(deps, trigger, (r) => reports.set(r.user, r), { ...opts, userIds: ids })
  return ids.map((id) => reports.get(id)!)
}

export interface PassOutcome {
  users: number
  statuses: Partial<Record<RunReport['status'], number>>
  firstError?: string
  /** History imports that carried on after the sync. */
  imports?: number
}

/** The hourly pass (Node's schedule): counts per run status, nothing per user kept. */
export async function scheduledPass(
  deps: Deps,
  opts: { concurrency?: number } = {},
): Promise<PassOutcome> {
  const result: PassOutcome = { users: 0, statuses: {} }
  await syncEach(
    deps,
    'schedule',
    (r) => {
      result.users++
      result.statuses[r.status] = (result.statuses[r.status] ?? 0) + 1
      if (r.status === 'error' && result.firstError === undefined) {
        result.firstError = `user ${r.user}: ${r.error}`
      }
    },
    opts,
  )
  result.imports = await continueImports(deps)
  return result
}
