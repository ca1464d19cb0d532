/** Walks the fake Exist's consent page the way a browser would, to get an authorization code without one. */
import type { Harness } from './harness.ts'

export const TEST_CLIENT = { clientId: 'timebridge-test', clientSecret: 'test-client-secret-0001' }

/** The env that enables OAuth in Timebridge with the test client. */
export const OAUTH_ENV = {
  EXIST_CLIENT_ID: TEST_CLIENT.clientId,
  EXIST_CLIENT_SECRET: TEST_CLIENT.clientSecret,
}

/** Registers the test client with the harness's fake Exist. */
export function registerTestClient(h: Harness): void {
  h.exist.addOAuthClient({ ...TEST_CLIENT, name: 'Timebridge' })
}

/** Presses "Allow" for `username` and returns the code Exist would redirect back with. */
export async function authorizationCode(
  existUrl: string,
  username: string,
  redirectUri: string,
): Promise<string> {
  const res = await fetch(`${existUrl}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      redirect_uri: redirectUri,
      scope: 'media_read media_write productivity_read productivity_write',
      state: 'test-state',
      username,
      decision: 'allow',
    }),
  })
  const location = res.headers.get('Location')
  const code = location ? new URL(location).searchParams.get('code') : null
  if (res.status !== 302 || !code)
    throw new Error(`consent failed: HTTP ${res.status} ${location ?? ''}`)
  return code
}
