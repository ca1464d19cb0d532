/** "Sync now", shared by its button and by saving a mapping: one run of the signed-in user, told as a flash. */
import type { User } from '../store/user-store.ts'
import { syncUser } from '../sync/sync-user.ts'
import { localTime, runHeadline } from './plain-words.ts'
import type { Flash } from './session.ts'
import type { AppContext } from './web.ts'

export async function syncNow(c: AppContext, user: User): Promise<Flash> {
  const { deps } = c.var
  const report = await syncUser(deps, user.id, 'web')
  if (report.busy) {
    const by = localTime(Date.parse(report.busy.done_by), user.timezone, deps.now())
    return {
      kind: 'error',
      text: `another run for you is already under way; it is done by ${by} at the latest. Its result shows here when it ends.`,
    }
  }
  const head = runHeadline(report)
  return { kind: head.tone === 'good' ? 'ok' : 'error', text: head.text }
}
