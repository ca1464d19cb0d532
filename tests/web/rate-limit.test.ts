/** Token tries are limited per address and per session, in the database (shared by every process), with a plain 429 page. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rateLimits, users } from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { TOKEN_TRIES } from '../../src/web/rate-limit.tsx'
import { createHarness, type Harness, MINUTE } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'
import { type Fakes, startFakes, startWebServer, type WebServer } from '../helpers/web-stack.ts'

describe('rate limit through the app', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:30Z' })
  })
  afterEach(() => h.close())

  const profileReads = () =>
    h.exist.requests.filter((r) => r.path.includes('/accounts/profile')).length

  it('refuses the 11th sign-in try of a session within a minute, relays nothing, and says when to retry', async () => {
    const alice = addPerson(h, 'alice')
    const client = new WebClient(createApp(h.deps))
    await client.get('/signin')
    for (let i = 0; i < TOKEN_TRIES.limit; i++) {
      const wrong = await client.post('/signin/token', { existToken: `wrong-token-${i}-000000` })
      // A refused token goes back to the sign-in page (post/redirect/get) with the reason.
      expect(wrong.status, `try ${i + 1}`).toBe(303)
      expect(wrong.location).toBe('/signin')
    }
    const relayed = profileReads()
    const refused = await client.post('/signin/token', { existToken: alice.existToken })
    expect(refused.status).toBe(429)
    expect(refused.res.headers.get('Retry-After')).toBe('30')
    expect(text(refused.html)).toContain('at most 10 tries a minute')
    expect(text(refused.html)).toContain('Wait 30 seconds')
    expect(profileReads()).toBe(relayed)
    expect(await h.deps.db.select().from(users)).toEqual([])

    h.advance(30_000)
    const ok = await client.post('/signin/token', { existToken: alice.existToken })
    expect(ok.status).toBe(303)
  })

  it('counts in the database: two app instances (two processes or isolates) share one limit', async () => {
    const appA = createApp(h.deps)
    const appB = createApp(h.deps)
    const a = new WebClient(appA)
    await a.get('/signin')
    const b = new WebClient(appB)
    for (const [k, v] of a.cookies) b.cookies.set(k, v)
    b.csrf = a.csrf
    for (let i = 0; i < TOKEN_TRIES.limit; i++) {
      const client = i % 2 ? a : b
      expect(
        (await client.post('/signin/token', { existToken: `wrong-token-${i}-000000` })).status,
      ).toBe(303)
    }
    expect((await a.post('/signin/token', { existToken: 'wrong-token-x-000000' })).status).toBe(429)
    expect((await b.post('/signin/token', { existToken: 'wrong-token-y-000000' })).status).toBe(429)
  })

  it('limits connecting a source per signed-in user, across their sessions', async () => {
    const alice = addPerson(h, 'alice')
    const app = createApp(h.deps)
    const client = new WebClient(app)
    await client.get('/signin')
    await client.post('/signin/token', { existToken: alice.existToken })
    await client.get('/connect')
    for (let i = 0; i < TOKEN_TRIES.limit - 1; i++)
      expect(
        (await client.post('/connect/toggl', { togglToken: `bad-toggl-${i}-0000` })).status,
      ).toBe(303)
    // The sign-in was the session's first try; a new sign-in (a new session) keeps counting for the user.
    h.advance(MINUTE)
    const again = new WebClient(app)
    await again.get('/signin')
    await again.post('/signin/token', { existToken: alice.existToken })
    await again.get('/connect')
    for (let i = 0; i < TOKEN_TRIES.limit; i++)
      expect(
        (
          await again.post('/connect/clockify', {
            clockifyKey: `bad-key-${i}-000000`,
            clockifyRegion: 'global',
          })
        ).status,
      ).toBe(303)
    const refused = await again.post('/connect/toggl', { togglToken: alice.togglToken })
    expect(refused.status).toBe(429)
    expect(text(refused.html)).toContain('Too many tries')
  })

  it('keeps only the counters of the current window', async () => {
    const client = new WebClient(createApp(h.deps))
    await client.get('/signin')
    await client.post('/signin/token', { existToken: 'wrong-token-0-000000' })
    h.advance(5 * MINUTE)
    const other = new WebClient(createApp(h.deps))
    await other.get('/signin')
    await other.post('/signin/token', { existToken: 'wrong-token-1-000000' })
    const rows = await h.deps.db.select().from(rateLimits)
    expect(rows.map((r) => r.key)).toEqual([expect.stringMatching(/^session:/)])
  })
})

describe('rate limit by client address on the Node server', () => {
  let fakes: Fakes
  let web: WebServer
  afterEach(async () => {
    await web.close()
    await fakes.close()
  })

  /** A fresh browser (new session) trying one wrong token. */
  const tryOnce = async (headers: Record<string, string> = {}) => {
    const signin = await fetch(`${web.url}/signin`, { headers })
    const cookie = signin.headers.getSetCookie()[0]!.split(';')[0]!
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await signin.text())![1]!
    const res = await fetch(`${web.url}/signin/token`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, existToken: 'wrong-token-0000000' }),
    })
    await res.text()
    return res.status
  }

  it('counts the socket address; X-Forwarded-For is ignored unless CLIENT_IP_HEADER names it', async () => {
    const now = Date.parse('2026-11-20T12:00:10Z')
    fakes = await startFakes(() => now)
    web = await startWebServer(fakes, { now: () => now, oauth: false })
    for (let i = 0; i < TOKEN_TRIES.limit; i++)
      expect(await tryOnce({ 'X-Forwarded-For': `198.51.100.${i}` })).toBe(303)
    // Each try came from a new session and claimed another address: the socket address still counts.
    expect(await tryOnce({ 'X-Forwarded-For': '198.51.100.99' })).toBe(429)
  })

  it('behind a proxy that sets X-Forwarded-For, counts the address the proxy appended', async () => {
    const now = Date.parse('2026-11-20T12:00:10Z')
    fakes = await startFakes(() => now)
    web = await startWebServer(fakes, {
      now: () => now,
      oauth: false,
      env: { CLIENT_IP_HEADER: 'X-Forwarded-For' },
    })
    // One client (the proxy appends 198.51.100.7) forging a new first entry on every try.
    for (let i = 0; i < TOKEN_TRIES.limit; i++)
      expect(await tryOnce({ 'X-Forwarded-For': `10.0.0.${i}, 198.51.100.7` })).toBe(303)
    expect(await tryOnce({ 'X-Forwarded-For': '10.9.9.9, 198.51.100.7' })).toBe(429)
    // Another client behind the same proxy is not held back by those ten.
    expect(await tryOnce({ 'X-Forwarded-For': '198.51.100.200' })).toBe(303)
  })
})
