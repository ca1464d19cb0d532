/** An Exist client for a stored user: opens the sealed token (and, for OAuth users, refreshes it before it expires). */
import { eq } from 'drizzle-orm'
import { users } from '../db/schema.ts'
import type { Deps } from '../deps.ts'
import { PURPOSE, type User } from '../users/user-store.ts'
import { existClient, type ExistClient } from './exist-client.ts'

export async function existFor(deps: Deps, user: User): Promise<ExistClient> {
  const token = await deps.box.open(user.existToken, PURPOSE.existToken)
  return existClient(deps, deps.config.existUrl, token)
}

/** Exist refused the user's token: stop syncing until they sign in (or `connect`) again. */
export async function stopSyncing(deps: Deps, userId: number, reason: string): Promise<void> {
  await deps.db
    .update(users)
    .set({ syncing: false, stoppedReason: reason, updatedAt: new Date(deps.now()) })
    .where(eq(users.id, userId))
}
