/** Exist OAuth2 (authorization code): the authorize URL, the code exchange and the token refresh, answers parsed with zod. */
import type { Config } from '../../shared/env.ts'
import { createApiClient, type HttpDeps } from '../api-client.ts'
import { OAuthToken } from './exist-schemas.ts'

/** Read and write for the two groups our templates live in (Productivity, Media); nothing else. */
export const EXIST_SCOPES = [
  'media_read',
  'media_write',
  'productivity_read',
  'productivity_write',
] as const

export type OAuthClient = NonNullable<Config['existOAuth']>

export interface TokenPair {
  token: string
  refreshToken: string
  /** Epoch milliseconds. */
  expiresAt: number
}

export const redirectUri = (config: Pick<Config, 'publicUrl'>) =>
  `${config.publicUrl}/auth/exist/callback`

export function authorizeUrl(config: Config, client: OAuthClient, state: string): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri(config),
    scope: EXIST_SCOPES.join(' '),
    state,
  })
  return `${config.existUrl}/oauth2/authorize?${query}`
}

export async function exchangeCode(
  deps: HttpDeps & { config: Config; now: () => number },
  client: OAuthClient,
  code: string,
): Promise<TokenPair> {
  return tokenRequest(deps, {
    grant_type: 'authorization_code',
    code,
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uri: redirectUri(deps.config),
  })
}

/** Exist invalidates the old access and refresh tokens as soon as it answers: store the new pair at once. */
export async function refreshTokens(
  deps: HttpDeps & { config: Config; now: () => number },
  client: OAuthClient,
  refreshToken: string,
): Promise<TokenPair> {
  return tokenRequest(deps, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  })
}

async function tokenRequest(
  deps: HttpDeps & { config: Config; now: () => number },
  form: Record<string, string>,
): Promise<TokenPair> {
  const call = createApiClient(deps, 'exist', `${deps.config.existUrl}/oauth2`, {})
  // Client credentials travel in the form body, as Exist's docs show; never retried (a code is single-use).
  const { data } = await call({
    method: 'POST',
    path: '/access_token',
    body: new URLSearchParams(form),
    schema: OAuthToken,
  })
  return {
    token: data.access_token,
    refreshToken: data.refresh_token,
    expiresAt: deps.now() + data.expires_in * 1000,
  }
}
