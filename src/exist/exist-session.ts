/** An Exist client for a stored user: opens the sealed token (and, for OAuth users, refreshes it before it expires). */
import { and, eq } from 'drizzle-orm'
import { users } from '../db/schema.ts'
import type { Deps } from '../deps.ts'
import { ApiError } from '../http/api-client.ts'
import { getUser, PURPOSE, type User } from '../users/user-store.ts'
import { existClient, type ExistClient } from './exist-client.ts'
import { refreshTokens } from './exist-oauth.ts'

/** Exist tokens live a year; like Exist Integrations we renew a week before the end. */
export const REFRESH_BEFORE_MS = 7 * 86_400_000

/** The refresh itself was refused: the pair is dead and only a new sign-in helps. */
export class RefreshRefused extends ApiError {
  override name = 'RefreshRefused'
}

export async function existFor(deps: Deps, user: User): Promise<ExistClient> {
  let token = await deps.box.open(user.existToken, PURPOSE.existToken)
  const expiresAt = user.existTokenExpiresAt?.getTime()
  if (
    user.existAuth === 'oauth' &&
    expiresAt !== undefined &&
    expiresAt - deps.now() < REFRESH_BEFORE_MS
  ) {
    try {
      token = await refreshExistToken(deps, user)
    } catch (error) {
      // Not expired yet and Exist merely unreachable: the current token still works for now.
      if (!(error instanceof ApiError && error.isTransient && expiresAt > deps.now())) throw error
      deps.log.warn('exist_refresh_deferred', { user: user.id, error: error.message })
    }
  }
  return existClient(deps, deps.config.existUrl, token)
}

/**
 * Swaps the user's OAuth pair for a new one and stores it in one UPDATE (the old pair is dead the
 * moment Exist answers). Returns the new access token. When another process refreshed first, our
 * refresh token was already spent: the pair it stored is the one to use.
 */
export async function refreshExistToken(deps: Deps, user: User): Promise<string> {
  const client = deps.config.existOAuth
  if (user.existAuth !== 'oauth' || !user.existRefreshToken) {
    throw new RefreshRefused(
      'exist',
      'auth',
      'Exist refused the saved token and it cannot be refreshed',
    )
  }
  if (!client) {
    throw new RefreshRefused(
      'exist',
      'auth',
      'Exist token needs refreshing but EXIST_CLIENT_ID/EXIST_CLIENT_SECRET are not set',
    )
  }
  const refreshToken = await deps.box.open(user.existRefreshToken, PURPOSE.existRefresh)
  let pair
  try {
    pair = await refreshTokens(deps, client, refreshToken)
  } catch (error) {
    if (error instanceof ApiError && (error.kind === 'auth' || error.kind === 'rejected')) {
      const current = await getUser(deps.db, user.id)
      if (current.existRefreshToken && current.existRefreshToken !== user.existRefreshToken) {
        return deps.box.open(current.existToken, PURPOSE.existToken)
      }
      // An invalid_grant answer (400) means the same as a 401 here: this pair is dead.
      throw new RefreshRefused(
        'exist',
        'auth',
        `Exist refused to refresh the token (HTTP ${error.status ?? '?'})`,
        error.status,
      )
    }
    throw error
  }
  const saved = await deps.db
    .update(users)
    .set({
      existToken: await deps.box.seal(pair.token, PURPOSE.existToken),
      existRefreshToken: await deps.box.seal(pair.refreshToken, PURPOSE.existRefresh),
      existTokenExpiresAt: new Date(pair.expiresAt),
      updatedAt: new Date(deps.now()),
    })
    // Only over the pair we refreshed: a sign-in that stored a newer pair meanwhile wins.
    .where(and(eq(users.id, user.id), eq(users.existRefreshToken, user.existRefreshToken)))
    .returning({ id: users.id })
  deps.log.info('exist_token_refreshed', { user: user.id, stored: saved.length === 1 })
  return pair.token
}

/** Exist refused the user's token: stop syncing until they sign in (or `connect`) again. */
export async function stopSyncing(deps: Deps, userId: number, reason: string): Promise<void> {
  await deps.db
    .update(users)
    .set({ syncing: false, stoppedReason: reason, updatedAt: new Date(deps.now()) })
    .where(eq(users.id, userId))
}
