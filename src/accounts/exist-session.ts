/** An Exist client for a stored user: opens the sealed token (and, for OAuth users, refreshes it before it expires). */

import { ApiError } from '../clients/api-client.ts'
import { type ExistClient, existClient } from '../clients/exist/exist-client.ts'
import { refreshTokens, type TokenPair } from '../clients/exist/exist-oauth.ts'
import type { ExistAttribute } from '../clients/exist/exist-schemas.ts'
import type { Deps } from '../deps.ts'
import { getUser, saveRefreshedTokens, type User } from '../store/user-store.ts'
import { openSecret } from './open-secret.ts'
import { PURPOSE } from './source-readers.ts'

/** Exist tokens live a year; like Exist Integrations we renew a week before the end. */
export const REFRESH_BEFORE_MS = 7 * 86_400_000

/** The refresh itself was refused: the pair is dead and only a new sign-in helps. */
export class RefreshRefused extends ApiError {
  override name = 'RefreshRefused'
}

export async function existFor(deps: Deps, user: User): Promise<ExistClient> {
  let token = await openSecret(deps, user.existToken, PURPOSE.existToken, 'exist')
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

/** The user's Exist attributes, for the mapping page's choices. */
export async function existAttributes(deps: Deps, user: User): Promise<ExistAttribute[]> {
  return (await existFor(deps, user)).attributes()
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
  const refreshToken = await openSecret(deps, user.existRefreshToken, PURPOSE.existRefresh, 'exist')
  let pair: TokenPair
  try {
    pair = await refreshTokens(deps, client, refreshToken)
  } catch (error) {
    if (error instanceof ApiError && (error.kind === 'auth' || error.kind === 'rejected')) {
      const current = await getUser(deps.db, user.id)
      if (current.existRefreshToken && current.existRefreshToken !== user.existRefreshToken) {
        return openSecret(deps, current.existToken, PURPOSE.existToken, 'exist')
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
  // Only over the pair we refreshed: a sign-in that stored a newer pair meanwhile wins.
  const stored = await saveRefreshedTokens(deps.db, user.id, user.existRefreshToken, {
    existToken: await deps.box.seal(pair.token, PURPOSE.existToken),
    existRefreshToken: await deps.box.seal(pair.refreshToken, PURPOSE.existRefresh),
    existTokenExpiresAt: new Date(pair.expiresAt),
    updatedAt: new Date(deps.now()),
  })
  deps.log.info('exist_token_refreshed', { user: user.id, stored })
  return pair.token
}
