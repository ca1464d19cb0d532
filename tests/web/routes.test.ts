/** Web routes through app.request: CSRF, per-user scoping, form validation, OAuth state, headers. */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mappings, runs, sourceConnections, userData, users } from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { RESCUETIME } from '../fakes/sample-account.ts'
import { OAUTH_ENV, registerTestClient } from '../helpers/exist-oauth.ts'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { type Page, text, WebClient } from '../helpers/web-client.ts'

type Person = ReturnType<typeof addPerson> & { work: number; tv: number; secret: string }

/** Every page a signed-in user can open, and every form they can post. */
const PAGES = [
  '/',
  '/status',
  '/mapping',
  '/connect',
  '/zero-out',
  '/disconnect',
  '/sources/toggl/disconnect',
]
const POSTS = [
  '/connect/toggl',
  '/connect/clockify',
  '/mapping',
  '/mapping/refresh',
  '/sync',
  '/check',
  '/repair',
  '/settings/repair-drift',
  '/zero-out',
  '/disconnect',
  '/sources/toggl/disconnect',
  '/signout',
]

/** A refused form answers with a redirect to its own page (post/redirect/get), which then says why. */
const refusedTo = async (client: WebClient, res: Page, path: string) => {
  expect(res.status).toBe(303)
  expect(res.location).toBe(path)
  return client.follow(res)
}

describe('web routes', () => {
  let h: Harness
  let app: ReturnType<typeof createApp>
  let alice: Person
  let bob: Person

  const person = (name: string): Person => {
    const p = addPerson(h, name, 'Europe/Berlin')
    const secret = `${name}-only project`
    const work = h.toggl.addProject(p.togglUser, { name: secret, color: '#d94182' })
    const tv = h.toggl.addProject(p.togglUser, { name: `${name} series` })
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:40:00Z',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: tv.id,
      start: '2026-11-18T19:00:00Z',
      stop: '2026-11-18T20:00:00Z',
    })
    return { ...p, work: work.id, tv: tv.id, secret }
  }

  const idOf = async (name: string) =>
    (await h.deps.db.select({ id: users.id }).from(users).where(eq(users.existUsername, name)))[0]
      ?.id

  /** Signs in with the personal token and connects Toggl, as a person would on the pages. */
  const signIn = async (p: Person, opts: { connect?: boolean } = {}) => {
    const client = new WebClient(app)
    await client.get('/signin')
    const signed = await client.post('/signin/token', { existToken: p.existToken })
    expect(signed.status).toBe(303)
    // A new user goes on to connect Toggl; a returning one with Toggl connected to the status page.
    expect(['/connect', '/status']).toContain(signed.location)
    if (opts.connect !== false) {
      await client.get('/connect')
      const connected = await client.post('/connect/toggl', { togglToken: p.togglToken })
      expect(connected.location).toBe('/mapping')
    }
    await client.get('/status')
    return client
  }

  const snapshot = async (userId: number) => ({
    maps: await h.deps.db.select().from(mappings).where(eq(mappings.userId, userId)),
    runs: (await h.deps.db.select().from(runs).where(eq(runs.userId, userId))).length,
    ledger: await h.deps.db.select().from(userData).where(eq(userData.userId, userId)),
    sources: await h.deps.db
      .select()
      .from(sourceConnections)
      .where(eq(sourceConnections.userId, userId)),
    user: (await h.deps.db.select().from(users).where(eq(users.id, userId)))[0],
  })

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    app = createApp(h.deps)
    alice = person('alice')
    bob = person('bob')
  })
  afterEach(() => h.close())

  it('signs in with a personal token; a bad token gets its message next to the field and stores nothing', async () => {
    const client = new WebClient(app)
    const form = await client.get('/signin')
    expect(form.html).toContain('name="existToken"')

    const empty = await refusedTo(
      client,
      await client.post('/signin/token', { existToken: '   ' }),
      '/signin',
    )
    expect(empty.html).toMatch(/id="f-existToken-error"[^>]*>Paste your Exist token</)

    const wrong = await refusedTo(
      client,
      await client.post('/signin/token', { existToken: 'not-a-real-token-0000' }),
      '/signin',
    )
    expect(text(wrong.html)).toContain('Exist refused this token')
    expect(wrong.html).not.toContain('not-a-real-token-0000')
    expect(await h.deps.db.select().from(users)).toEqual([])

    const ok = await client.post('/signin/token', { existToken: alice.existToken })
    expect(ok.location).toBe('/connect')
    const connect = await client.follow(ok)
    expect(text(connect.html)).toContain('Welcome, alice')
    expect(text(connect.html)).toContain('Profile settings')
  })

  it('connects Toggl only with a token Toggl accepts, and never shows a token again', async () => {
    const client = await signIn(alice, { connect: false })
    const userId = (await idOf('alice'))!
    await client.get('/connect')

    const bad = await refusedTo(
      client,
      await client.post('/connect/toggl', { togglToken: 'bad-toggl-token-000' }),
      '/connect',
    )
    expect(bad.html).toMatch(/id="f-togglToken-error"[^>]*>Toggl Track refused this token/)
    expect((await snapshot(userId)).sources).toEqual([])

    const good = await client.post('/connect/toggl', { togglToken: alice.togglToken })
    expect(good.location).toBe('/mapping')
    const [source] = (await snapshot(userId)).sources
    expect(source!.connected).toBe(true)
    expect(source!.credential).not.toContain(alice.togglToken)
    for (const path of PAGES) {
      const page = await client.open(path)
      expect(page.html).not.toContain(alice.togglToken)
      expect(page.html).not.toContain(alice.existToken)
    }
  })

  it('connects Clockify with a key of its region; a wrong region or key is refused and nothing stored', async () => {
    const cu = h.clockify.addUser({ key: 'clockify-key-alice-0001', name: 'Alice', region: 'euc1' })
    h.clockify.addProject(cu, {
      name: 'Clockify research',
      clientName: 'Initech',
      color: '#8BC34A',
    })
    const client = await signIn(alice)
    const userId = (await idOf('alice'))!
    await client.get('/connect')

    const wrongRegion = await refusedTo(
      client,
      await client.post('/connect/clockify', {
        clockifyKey: cu.key,
        clockifyRegion: 'global',
      }),
      '/connect',
    )
    expect(wrongRegion.html).toMatch(
      /id="f-clockifyKey-error"[^>]*>Clockify refused this token.*Nothing was saved\./,
    )
    const noRegion = await refusedTo(
      client,
      await client.post('/connect/clockify', {
        clockifyKey: cu.key,
        clockifyRegion: 'mars',
      }),
      '/connect',
    )
    expect(text(noRegion.html)).toContain('Choose the region your Clockify data is stored in')
    expect((await snapshot(userId)).sources.map((s) => s.source)).toEqual(['toggl'])

    const ok = await client.post('/connect/clockify', { clockifyKey: cu.key, clockifyRegion: 'eu' })
    expect(ok.location).toBe('/mapping')
    const mapping = await client.follow(ok)
    const words = text(mapping.html)
    expect(words).toContain('Clockify connected (Alice): 1 project.')
    expect(words).toMatch(/Alice's workspace · Clockify Initech Clockify research/)
    expect(words).toMatch(/alice's workspace · Toggl Track/)
    const stored = (await snapshot(userId)).sources.find((s) => s.source === 'clockify')!
    expect(stored.region).toBe('eu')
    expect(stored.credential).not.toContain(cu.key)
    expect(mapping.html).not.toContain(cu.key)
  })

  it('refuses every POST without the session CSRF token, or from another site, and changes nothing', async () => {
    const a = await signIn(alice)
    const b = await signIn(bob)
    const aliceId = (await idOf('alice'))!
    await a.get('/mapping')
    const before = await snapshot(aliceId)

    const bobsToken = b.csrf
    const form = {
      togglToken: alice.togglToken,
      [`map[toggl:${alice.work}]`]: 'productive_min',
      confirm: 'yes',
      confirmed: 'yes',
    }
    for (const path of POSTS) {
      expect((await a.post(path, form, { csrf: false })).status, `${path} without token`).toBe(403)
      expect((await a.post(path, form, { csrf: 'forged' })).status, `${path} forged`).toBe(403)
      expect(
        (await a.post(path, form, { csrf: bobsToken })).status,
        `${path} with bob's token`,
      ).toBe(403)
      const cross = await a.post(path, form, { headers: { 'Sec-Fetch-Site': 'cross-site' } })
      expect(cross.status, `${path} cross-site`).toBe(403)
      // A browser without Sec-Fetch-Site still names the other site in Origin (hono/csrf).
      const foreign = await a.post(path, form, { headers: { Origin: 'https://evil.example' } })
      expect(foreign.status, `${path} from another origin`).toBe(403)
    }
    // JSON bodies carry no form token either.
    const json = await app.request('http://localhost:3000/sync', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: JSON.stringify({ _csrf: a.csrf }),
    })
    expect(json.status).toBe(403)
    // Signing in needs a token too (login CSRF).
    const stranger = new WebClient(app)
    expect(
      (await stranger.post('/signin/token', { existToken: bob.existToken }, { csrf: false }))
        .status,
    ).toBe(403)

    expect(await snapshot(aliceId)).toEqual(before)
    expect(h.exist.writes()).toEqual([])
  })

  it('re-renders invalid forms with the message next to the field and changes nothing', async () => {
    const client = await signIn(alice)
    const userId = (await idOf('alice'))!
    await client.get('/mapping')
    const before = await snapshot(userId)

    const badValue = await refusedTo(
      client,
      await client.post('/mapping', {
        [`map[toggl:${alice.work}]`]: 'Productive Time!',
      }),
      '/mapping',
    )
    expect(badValue.html).toMatch(/Choose an attribute from the list/)
    expect(badValue.html).toContain('Some choices were not valid; nothing was saved.')

    const notOffered = await refusedTo(
      client,
      await client.post('/mapping', {
        [`map[toggl:${alice.work}]`]: 'productive_min',
        [`map[toggl:${alice.tv}]`]: 'made_up_minutes',
      }),
      '/mapping',
    )
    expect(text(notOffered.html)).toContain('Choose an attribute from the list')
    // The valid choice of the same submit is shown again, not lost.
    expect(notOffered.html).toMatch(/<option value="productive_min" selected/)

    const badProject = await refusedTo(
      client,
      await client.post('/mapping', { 'map[toggl:<script>]': 'tv_min' }),
      '/mapping',
    )
    expect(badProject.html).not.toContain('<script>')

    const noFields = await refusedTo(client, await client.post('/mapping', {}), '/mapping')
    expect(text(noFields.html)).toContain('The form had no projects in it')

    const shortToken = await refusedTo(
      client,
      await client.post('/connect/toggl', { togglToken: 'abc' }),
      '/connect',
    )
    expect(shortToken.html).toMatch(
      /id="f-togglToken-error"[^>]*>That is too short for a Toggl Track API token/,
    )

    const spaced = await refusedTo(
      client,
      await client.post('/connect/toggl', { togglToken: 'abc def ghi jkl' }),
      '/connect',
    )
    expect(text(spaced.html)).toContain('has no spaces')

    // Destructive actions without their confirmation field go back to the confirmation page.
    for (const path of ['/zero-out', '/disconnect', '/sources/toggl/disconnect']) {
      const unconfirmed = await client.post(path, { confirm: 'no' })
      expect(unconfirmed.status).toBe(303)
      expect(unconfirmed.location).toBe(path)
    }
    expect(await snapshot(userId)).toEqual(before)
    expect(h.exist.writes()).toEqual([])
  })

  it('scopes every page and form to the signed-in user: alice can neither see nor change bob', async () => {
    const a = await signIn(alice)
    const b = await signIn(bob)
    const aliceId = (await idOf('alice'))!
    const bobId = (await idOf('bob'))!

    // Bob maps and syncs.
    await b.get('/mapping')
    const mapped = await b.post('/mapping', { [`map[toggl:${bob.work}]`]: 'tv_min' })
    expect(mapped.location).toBe('/status')
    await b.get('/status')
    expect((await b.post('/sync')).location).toBe('/status')
    expect(h.exist.value(bob.existUser, 'tv_min', '2026-11-19')).toBe(100)
    const bobBefore = await snapshot(bobId)

    // Nothing of bob on any of alice's pages.
    for (const path of PAGES) {
      const page = await a.open(path)
      expect(page.status, path).toBe(200)
      expect(page.html, path).not.toContain(bob.secret)
      expect(page.html, path).not.toContain('bob')
      expect(page.html, path).not.toContain(`toggl:${bob.work}`)
    }
    const aliceStatus = await a.open('/status')
    expect(text(aliceStatus.html)).toContain(
      'Next step: choose which Exist attribute each project feeds',
    )

    // Alice posting bob's project id changes nothing of bob's.
    await a.get('/mapping')
    const foreign = await refusedTo(
      a,
      await a.post('/mapping', { [`map[toggl:${bob.work}]`]: 'productive_min' }),
      '/mapping',
    )
    expect(text(foreign.html)).toContain('Unknown project')

    // Alice's actions touch alice only.
    await a.get('/status')
    await a.post('/sync')
    await a.post('/check')
    await a.post('/repair')
    await a.post('/settings/repair-drift', { repairDrift: 'on' })
    await a.get('/zero-out')
    await a.post('/zero-out', { confirm: 'yes' })
    await a.get('/sources/toggl/disconnect')
    await a.post('/sources/toggl/disconnect', { confirm: 'yes' })
    expect(await snapshot(bobId)).toEqual(bobBefore)
    expect(h.exist.value(bob.existUser, 'tv_min', '2026-11-19')).toBe(100)

    // A session cookie re-signed for bob's id is not bob's session.
    const [name, value] = [...a.cookies].find(([k]) => k === 'tb_session')!
    const [payload, sig] = value.split('.')
    const data = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    const forged = Buffer.from(JSON.stringify({ ...data, u: bobId, x: 'bob' })).toString(
      'base64url',
    )
    const mallory = new WebClient(app)
    mallory.cookies.set(name, `${forged}.${sig}`)
    const page = await mallory.get('/status')
    expect(page.location).toBe('/signin')

    await a.get('/disconnect')
    const gone = await a.post('/disconnect', { confirm: 'yes' })
    expect(gone.location).toBe('/bye')
    expect(await idOf('alice')).toBeUndefined()
    expect(await snapshot(bobId)).toEqual(bobBefore)
    expect((await snapshot(aliceId)).ledger).toEqual([])
  })

  it('sends anonymous visitors to sign in and lets them post nothing', async () => {
    const anon = new WebClient(app)
    for (const path of PAGES) {
      const page = await anon.get(path)
      expect(page.status, path).toBe(303)
      expect(page.location, path).toBe('/signin')
    }
    await anon.get('/signin')
    for (const path of POSTS.filter((p) => p !== '/signout')) {
      const page = await anon.post(path, { confirm: 'yes' })
      expect(page.location, path).toBe('/signin')
    }
    expect(await h.deps.db.select().from(users)).toEqual([])
  })

  it('takes an attribute from another service only after a confirmation that names the days', async () => {
    h.exist.giveAttribute(alice.existUser, 'productive_min', { owner: RESCUETIME })
    h.exist.setValue(alice.existUser, 'productive_min', '2026-11-19', 300)
    const client = await signIn(alice)
    const userId = (await idOf('alice'))!
    const mapping = await client.get('/mapping')
    expect(text(mapping.html)).toContain('Productive time (now filled by RescueTime)')

    const asked = await client.post('/mapping', { [`map[toggl:${alice.work}]`]: 'productive_min' })
    // The pending choice is a GET page of its own: reload and Back show it again, nothing re-posts.
    expect(asked.status).toBe(303)
    expect(asked.location).toBe(
      `/mapping/confirm?${new URLSearchParams({ [`map[toggl:${alice.work}]`]: 'productive_min' })}`,
    )
    const ask = await client.follow(asked)
    expect(ask.status).toBe(200)
    expect(text((await client.get(asked.location!)).html)).toBe(text(ask.html))
    const page = text(ask.html)
    expect(page).toContain('Productive time is filled by RescueTime now')
    expect(page).toContain('for the 14 days from Sat 7 Nov 2026 to Fri 20 Nov 2026')
    expect((await snapshot(userId)).maps).toEqual([])
    expect(h.exist.users[0]!.attributes.get('productive_min')!.service).toEqual(RESCUETIME)

    const done = await client.post('/mapping', {
      [`map[toggl:${alice.work}]`]: 'productive_min',
      confirmed: 'yes',
    })
    expect(done.location).toBe('/status')
    const status = await client.follow(done)
    expect(text(status.html)).toContain('Timebridge took Productive time over from RescueTime.')
    expect((await snapshot(userId)).maps.map((m) => m.attribute)).toEqual(['productive_min'])

    const synced = await client.follow(await client.post('/sync'))
    expect(text(synced.html)).toContain('Sync now: Done')
    expect(h.exist.value(alice.existUser, 'productive_min', '2026-11-19')).toBe(100)
    expect(synced.html).toMatch(/data-date="2026-11-19" data-value="100"/)
  })

  it('tells on the status page what went wrong, in plain words', async () => {
    const client = await signIn(alice)
    // Exist refuses one value (from the sync that saving the mapping starts).
    const refusal = h.exist.failItems(
      (i) => i.name === 'tv_min' && i.date === '2026-11-18',
      'validation',
      'Value out of range',
    )
    await client.get('/mapping')
    await client.post('/mapping', {
      [`map[toggl:${alice.work}]`]: 'productive_min',
      [`map[toggl:${alice.tv}]`]: 'tv_min',
    })
    await client.get('/status')
    let page = await client.follow(await client.post('/sync'))
    let words = text(page.html)
    expect(words).toContain('Sync now: Partly done; 1 value still waiting for Exist')
    expect(words).toContain('Exist refused Watching TV on Wed 18 Nov 2026: Value out of range.')
    expect(words).toContain(
      'Exist refused 1 day of Watching TV (e.g. Wed 18 Nov 2026: Value out of range). The next run tries again.',
    )
    refusal.remove()

    // Toggl's quota is spent.
    h.toggl.failNext(
      1,
      402,
      { 'X-Toggl-Quota-Resets-In': '1200' },
      '"You have hit your hourly limit for API calls."',
    )
    page = await client.follow(await client.post('/sync'))
    words = text(page.html)
    expect(words).toContain(
      'Toggl Track’s hourly request allowance is used up. Timebridge waits and tries again at a later run.',
    )
    expect(words).toMatch(/An API asked Timebridge to wait: no run before today 13:20/)
    h.advance(30 * 60_000)

    // Exist revokes the personal token: syncing stops until the next sign-in (noticed at the next write).
    h.toggl.addEntry(alice.togglUser, {
      projectId: alice.work,
      start: '2026-11-20T09:00:00Z',
      stop: '2026-11-20T09:30:00Z',
    })
    h.exist.revoke(alice.existUser)
    page = await client.follow(await client.post('/sync'))
    words = text(page.html)
    expect(words).toContain(
      'Exist no longer accepts Timebridge’s access (the token was revoked or expired). Sign out and sign in again to resume syncing.',
    )
    expect(words).toContain('Stopped (see above)')
    h.exist.users.find((u) => u === alice.existUser)!.revoked = false
    await client.get('/status')
    await client.post('/signout')
    const again = await signIn(alice, { connect: false })

    // Toggl revokes the token: the source is paused (not disconnected), the page says why, what
    // is held, how to resume and the day it will be disconnected.
    h.toggl.revoke(alice.togglUser)
    page = await again.follow(await again.post('/sync'))
    words = text(page.html)
    expect(words).toContain('Sync now: Done')
    expect(words).toContain('Toggl Track is paused since Fri 20 Nov 2026')
    expect(words).toContain(
      'Toggl Track no longer accepts the saved API token (it was revoked or reset).',
    )
    expect(words).toContain('Productive time, Watching TV keep what Exist holds')
    expect(words).toContain('Timebridge disconnects it on Sun 20 Dec 2026')
    expect(words).toContain(
      'Toggl Track was paused because it no longer accepts the saved API token. Your mappings are kept',
    )
    const sources = text((await again.open('/connect')).html)
    expect(sources).toContain('Toggl Track is paused')
    expect(sources).toContain('it is disconnected on Sun 20 Dec 2026')
    expect(sources).toContain('Connect Toggl Track again')
  })

  it('shows what Exist holds and the days that differ, repairs exactly those, toggles auto-repair', async () => {
    const client = await signIn(alice)
    await client.get('/mapping')
    await client.post('/mapping', {
      [`map[toggl:${alice.work}]`]: 'productive_min',
      [`map[toggl:${alice.tv}]`]: 'tv_min',
    })
    await client.get('/status')
    await client.post('/sync')
    let words = text((await client.open('/status')).html)
    expect(words).toContain('Exist has not been checked yet')

    h.exist.setValue(alice.existUser, 'productive_min', '2026-11-19', 95)
    let page = await client.follow(await client.post('/check'))
    words = text(page.html)
    expect(words).toContain('Checked Exist: 1 day differs from what Timebridge sent.')
    expect(words).toContain('Exist last checked today 13:00.')
    expect(words).toContain(
      'Productive time: Exist shows 95 min, Timebridge sent 100 min on Thu 19 Nov',
    )
    // The chart draws what Exist holds and marks the day.
    expect(page.html).toMatch(
      /<g class="day mark-drift" data-date="2026-11-19" data-value="95" data-sent="100" data-drift="true"[^>]*aria-label="Thu 19 Nov: 1 h 35 min \(Exist shows 95 min, Timebridge sent 100 min on Thu 19 Nov\)"/,
    )
    h.exist.resetLog()
    expect(text((await client.open('/status')).html)).toContain('1 day differs in Exist')
    expect(h.exist.requests).toEqual([]) // the status page reads the stored check only

    page = await client.follow(await client.post('/repair'))
    expect(text(page.html)).toContain('Repair: set 1 day back to what Timebridge sent.')
    expect(h.exist.writes().map((r) => r.body)).toEqual([
      [{ name: 'productive_min', date: '2026-11-19', value: 100 }],
    ])
    expect(text(page.html)).toContain('Every checked day holds what Timebridge sent.')
    expect(page.html).not.toContain('data-drift')

    const userId = (await idOf('alice'))!
    page = await client.follow(await client.post('/settings/repair-drift', { repairDrift: 'on' }))
    expect(text(page.html)).toContain('The daily check now repairs days that differ')
    expect((await snapshot(userId)).user?.repairDrift).toBe(true)
    expect(text(page.html)).toContain('Repair drift automatically: on (turn off)')
    await client.post('/settings/repair-drift', { repairDrift: 'maybe' })
    expect((await snapshot(userId)).user?.repairDrift).toBe(true)
    await client.get('/status')
    await client.post('/settings/repair-drift', { repairDrift: 'off' })
    expect((await snapshot(userId)).user?.repairDrift).toBe(false)
  })

  it('sends security headers and HttpOnly SameSite=Lax cookies', async () => {
    const res = await app.request('http://localhost:3000/signin')
    const csp = res.headers.get('Content-Security-Policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('X-Frame-Options')).toBe('DENY')
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tb_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).not.toMatch(/Secure/)

    const httpsApp = createApp({
      ...h.deps,
      config: { ...h.deps.config, publicUrl: 'https://timebridge.example' },
    })
    const secure = await httpsApp.request('https://timebridge.example/signin')
    const secureCookie = secure.headers.getSetCookie()[0]!
    expect(secureCookie).toMatch(/^__Host-tb_session=.*Secure/)
    expect(secure.headers.get('Strict-Transport-Security')).toContain('max-age=')
  })
})

describe('Exist OAuth sign-in routes', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({
      now: '2026-11-20T12:00:00Z',
      env: { ...OAUTH_ENV, PUBLIC_URL: 'http://localhost:3000' },
    })
    registerTestClient(h)
  })
  afterEach(() => h.close())

  it('checks state, exchanges the code and signs in; no personal-token form then', async () => {
    const carol = addPerson(h, 'carol')
    const app = createApp(h.deps)
    const client = new WebClient(app)
    const signin = await client.get('/signin')
    expect(signin.html).toContain('href="/auth/exist"')
    // No form to take a token from, and the route is off anyway.
    expect([403, 404]).toContain(
      (await client.post('/signin/token', { existToken: carol.existToken })).status,
    )
    expect(await h.deps.db.select().from(users)).toEqual([])

    const start = await client.get('/auth/exist')
    expect(start.status).toBe(302)
    const authorize = new URL(start.location!)
    expect(authorize.origin + authorize.pathname).toBe(`${h.urls.exist}/oauth2/authorize`)
    expect(authorize.searchParams.get('scope')).toBe(
      'media_read media_write productivity_read productivity_write',
    )
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      'http://localhost:3000/auth/exist/callback',
    )
    const state = authorize.searchParams.get('state')!

    // Press Allow on the fake's page.
    const allow = await fetch(`${h.urls.exist}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        ...Object.fromEntries(authorize.searchParams),
        username: 'carol',
        decision: 'allow',
      }),
    })
    const back = new URL(allow.headers.get('Location')!)
    expect(back.searchParams.get('state')).toBe(state)

    // A callback with another state is refused (and spends the state cookie).
    const replay = new WebClient(app)
    for (const [k, v] of client.cookies) replay.cookies.set(k, v)
    const wrong = await refusedTo(
      replay,
      await replay.get(
        `/auth/exist/callback?code=${back.searchParams.get('code')}&state=not-the-state`,
      ),
      '/signin',
    )
    expect(text(wrong.html)).toContain('This sign-in link expired')
    expect(await h.deps.db.select().from(users)).toEqual([])

    const done = await client.get(`${back.pathname}${back.search}`)
    expect(done.location).toBe('/connect')
    const [user] = await h.deps.db.select().from(users)
    expect(user!.existAuth).toBe('oauth')
    expect(user!.existUsername).toBe('carol')
    const page = await client.follow(done)
    expect(text(page.html)).toContain('Signed in to Exist as carol')

    // The code was single-use: presenting it again does not sign anyone in.
    const again = new WebClient(app)
    const restart = await again.get('/auth/exist')
    const newState = new URL(restart.location!).searchParams.get('state')
    const reused = await refusedTo(
      again,
      await again.get(
        `/auth/exist/callback?code=${back.searchParams.get('code')}&state=${newState}`,
      ),
      '/signin',
    )
    expect(text(reused.html)).toContain('Exist did not accept the sign-in')
  })

  it('says so when the user denies access', async () => {
    addPerson(h, 'dave')
    const app = createApp(h.deps)
    const client = new WebClient(app)
    const start = await client.get('/auth/exist')
    const state = new URL(start.location!).searchParams.get('state')
    const denied = await refusedTo(
      client,
      await client.get(`/auth/exist/callback?error=access_denied&state=${state}`),
      '/signin',
    )
    expect(text(denied.html)).toContain('You did not allow access in Exist')
  })
})
