/** Web security defects of issue 8: body limit before parsing, sessions that end, the CSRF page's Go back link. */
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { users } from '../../src/store/schema.ts'
import { BODY_LIMIT, createApp } from '../../src/web/create-app.tsx'
import { createHarness, DAY, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'
import { type Fakes, startFakes, startWebServer, type WebServer } from '../helpers/web-stack.ts'

const FIVE_MB = 5 * 1024 * 1024
const CHUNK = 16 * 1024

/** A 5 MB form body that counts how much of it was ever pulled. */
function countingBody(total = FIVE_MB) {
  let pulled = 0
  const chunk = new TextEncoder().encode(`a=${'x'.repeat(CHUNK - 2)}`)
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close()
      pulled += chunk.length
      controller.enqueue(chunk)
    },
  })
  return { stream, pulled: () => pulled }
}

describe('request bodies', () => {
  let h: Harness
  let app: ReturnType<typeof createApp>
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    app = createApp(h.deps)
  })
  afterEach(() => h.close())

  const post = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    app.request('http://localhost:3000/signin/token', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      duplex: 'half',
    } as RequestInit)

  it('refuses a 5 MB form with 413 after reading at most the 64 KB limit', async () => {
    const client = new WebClient(app)
    await client.get('/signin')
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const body = countingBody()
    const res = await post(body.stream, { Cookie: cookie })
    expect(res.status).toBe(413)
    expect(text(await res.text())).toContain('This form sent more than 64 KB')
    // Streams read a few chunks ahead; nothing near the body's 5 MB is read.
    expect(body.pulled()).toBeLessThanOrEqual(BODY_LIMIT + 4 * CHUNK)
  })

  it('refuses a cookieless POST before reading its body at all', async () => {
    const body = countingBody()
    const res = await post(body.stream)
    expect(res.status).toBe(403)
    expect(text(await res.text())).toContain('did not send Timebridge')
    // Streams read a few chunks ahead; no more than that is read.
    expect(body.pulled()).toBeLessThanOrEqual(4 * CHUNK)
    expect(await h.deps.db.select().from(users)).toEqual([])
  })
})

describe('request bodies on the real server', () => {
  let fakes: Fakes
  let web: WebServer
  beforeEach(async () => {
    fakes = await startFakes(() => Date.now())
    web = await startWebServer(fakes, { now: () => Date.now(), oauth: false })
  })
  afterEach(async () => {
    await web.close()
    await fakes.close()
  })

  it('answers 413 to a declared 5 MB body while the client has sent only its first 64 KB', async () => {
    const signin = await fetch(`${web.url}/signin`)
    const cookie = signin.headers.getSetCookie()[0]!.split(';')[0]!
    const { port } = new URL(web.url)
    const socket = connect(Number(port), '127.0.0.1')
    const reply = new Promise<string>((resolve, reject) => {
      let data = ''
      socket.on('data', (d) => {
        data += d.toString()
        if (data.includes('\r\n\r\n')) resolve(data)
      })
      socket.on('error', reject)
    })
    socket.write(
      [
        'POST /signin/token HTTP/1.1',
        `Host: localhost:${port}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${FIVE_MB}`,
        `Cookie: ${cookie}`,
        '',
        '',
      ].join('\r\n'),
    )
    // The rest of the 5 MB is never sent: an answer proves the server did not wait for it.
    socket.write(`existToken=${'x'.repeat(BODY_LIMIT)}`)
    const head = await reply
    socket.destroy()
    expect(head).toMatch(/^HTTP\/1\.1 413 /)
  })
})

describe('sessions', () => {
  let h: Harness
  let app: ReturnType<typeof createApp>
  let alice: ReturnType<typeof addPerson>

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    app = createApp(h.deps)
    alice = addPerson(h, 'alice')
  })
  afterEach(() => h.close())

  const signIn = async () => {
    const client = new WebClient(app)
    await client.get('/signin')
    const res = await client.post('/signin/token', { existToken: alice.existToken })
    expect(res.status).toBe(303)
    expect((await client.get('/connect')).status).toBe(200)
    return client
  }
  /** A second browser holding a copy of the cookies (e.g. stolen, or left on a shared computer). */
  const copyOf = (client: WebClient) => {
    const copy = new WebClient(app)
    for (const [k, v] of client.cookies) copy.cookies.set(k, v)
    return copy
  }

  it('an old cookie stops working after POST /signout', async () => {
    const client = await signIn()
    const copy = copyOf(client)
    expect((await copy.get('/connect')).status).toBe(200)
    await client.get('/connect')
    const out = await client.post('/signout')
    expect(out.location).toBe('/signin')
    expect((await copy.get('/connect')).location).toBe('/signin')
    expect((await client.get('/connect')).location).toBe('/signin')
  })

  it('signing in again ends the sessions that came before', async () => {
    const first = await signIn()
    const second = await signIn()
    expect((await first.get('/connect')).location).toBe('/signin')
    expect((await second.get('/connect')).status).toBe(200)
  })

  it('a sign-in lasts 30 days from signing in, however often it is used', async () => {
    const client = await signIn()
    // Daily visits renew the cookie but not the sign-in.
    for (let day = 1; day <= 29; day++) {
      h.advance(DAY)
      expect((await client.get('/connect')).status, `day ${day}`).toBe(200)
    }
    h.advance(DAY - 2 * MINUTE)
    expect((await client.get('/connect')).status).toBe(200)
    h.advance(3 * MINUTE)
    expect((await client.get('/connect')).location).toBe('/signin')
    // Signing in again starts a new period.
    const again = await signIn()
    h.advance(HOUR)
    expect((await again.get('/connect')).status).toBe(200)
  })

  it('the cookie of a disconnected account does not sign anyone in, even after the account comes back', async () => {
    const client = await signIn()
    const copy = copyOf(client)
    await client.get('/disconnect')
    expect((await client.post('/disconnect', { confirm: 'yes' })).location).toBe('/bye')
    await signIn()
    expect((await copy.get('/connect')).location).toBe('/signin')
  })
})

describe('the CSRF failure page', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  const goBack = async (referer: string) => {
    const client = new WebClient(createApp(h.deps))
    await client.get('/signin')
    const page = await client.post(
      '/signin/token',
      {},
      { csrf: 'forged', headers: { Referer: referer } },
    )
    expect(page.status).toBe(403)
    return /<a href="([^"]*)">\s*Go back/.exec(page.html)?.[1]
  }

  it('links back only to a page of the same origin', async () => {
    expect(await goBack('http://localhost:3000/mapping?x=1')).toBe(
      'http://localhost:3000/mapping?x=1',
    )
    expect(await goBack('http://localhost:3000.evil.example/phish')).toBe('/')
    expect(await goBack('http://localhost:30000/')).toBe('/')
    expect(await goBack('https://localhost:3000/')).toBe('/')
    expect(await goBack('http://evil.example/http://localhost:3000/')).toBe('/')
    expect(await goBack('not a url')).toBe('/')
  })
})
