/** Self-test of the Toggl and Exist fakes over loopback HTTP, so product tests can trust them. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FakeExistUser, FakeTogglUser, ServedFake } from '../fakes/index.js'
import { FakeExist, FakeToggl, serveFake } from '../fakes/index.js'

const T0 = Date.parse('2026-03-10T12:00:00Z')
let now = T0
const clock = (): number => now

const basic = (token: string): string => `Basic ${btoa(`${token}:api_token`)}`

describe('FakeToggl', () => {
  let toggl: FakeToggl
  let server: ServedFake
  let user: FakeTogglUser
  const get = (path: string, token = 'tok-a'): Promise<Response> =>
    fetch(`${server.url}/api/v9${path}`, { headers: { Authorization: basic(token) } })

  beforeAll(async () => {
    toggl = new FakeToggl({ now: clock, quotaPerHour: 100_000 })
    server = await serveFake(toggl.fetch)
    user = toggl.addUser({ token: 'tok-a', fullname: 'Ada', timezone: 'Europe/Berlin' })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    now = T0
    user.entries = []
  })

  it('distinguishes a missing header (401) from a bad or revoked token (403)', async () => {
    const missing = await fetch(`${server.url}/api/v9/me`)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('X-Authorization-Missing')).toBe('true')
    expect(await missing.text()).toBe('')

    const wrong = await get('/me', 'nope')
    expect(wrong.status).toBe(403)
    expect(wrong.headers.get('Content-Type')).toMatch(/^text\/plain/)
    expect(await wrong.text()).toBe('Incorrect username and/or password')

    const badPassword = await fetch(`${server.url}/api/v9/me`, {
      headers: { Authorization: `Basic ${btoa('tok-a:secret')}` },
    })
    expect(badPassword.status).toBe(403)

    const other = toggl.addUser({ token: 'tok-revoked' })
    expect((await get('/me', 'tok-revoked')).status).toBe(200)
    toggl.revoke(other)
    expect((await get('/me', 'tok-revoked')).status).toBe(403)
    expect(toggl.requests.every((r) => !JSON.stringify(r).includes('tok-'))).toBe(true)
  })

  it('serves /me with related data including archived projects', async () => {
    const ws = toggl.addWorkspace(user, 'Side')
    const client = toggl.addClient(user, ws, 'ACME')
    toggl.addProject(user, { name: 'Old', active: false, wid: ws, clientId: client })
    const me = (await (await get('/me?with_related_data=true')).json()) as Record<string, unknown>
    expect(me).toMatchObject({
      api_token: 'tok-a',
      timezone: 'Europe/Berlin',
      beginning_of_week: 1,
    })
    expect(me.default_workspace_id).toBe(user.defaultWorkspaceId)
    expect(me.workspaces).toHaveLength(2)
    expect(me.projects).toContainEqual(
      expect.objectContaining({ name: 'Old', status: 'archived', active: false, cid: client }),
    )
    const active = (await (await get('/me/projects')).json()) as unknown[]
    expect(active.some((p) => (p as { name: string }).name === 'Old')).toBe(false)
  })

  it('filters by start only with an exclusive end and accepts offsets and bare dates', async () => {
    const p = toggl.addProject(user, { name: 'Work', color: '#d92b2b' })
    toggl.addEntry(user, {
      projectId: p.id,
      start: '2026-03-08T23:30:00Z',
      stop: '2026-03-09T01:00:00Z',
    })
    const inside = toggl.addEntry(user, {
      projectId: p.id,
      start: '2026-03-09T08:00:00.750Z',
      stop: '2026-03-09T09:00:00Z',
    })
    toggl.addEntry(user, { projectId: null, start: '2026-03-10T00:00:00Z', stop: T0 })

    const q = new URLSearchParams({
      start_date: '2026-03-09T01:00:00+01:00',
      end_date: '2026-03-10T00:00:00Z',
      meta: 'true',
    })
    const res = await get(`/me/time_entries?${q}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>[]
    expect(body.map((e) => e.id)).toEqual([inside.id])
    expect(body[0]).toMatchObject({
      start: '2026-03-09T08:00:00+00:00',
      stop: '2026-03-09T09:00:00+00:00',
      duration: 3600,
      pid: p.id,
      project_name: 'Work',
      project_color: '#d92b2b',
      client_name: null,
    })

    const byDay = await get('/me/time_entries?start_date=2026-03-09&end_date=2026-03-11')
    expect(((await byDay.json()) as unknown[]).length).toBe(2)
    const unencodedPlus = await get(
      '/me/time_entries?start_date=2026-03-09T01:00:00+01:00&end_date=2026-03-11',
    )
    expect(unencodedPlus.status).toBe(400)
  })

  it('caps a range at 1000 entries, newest start first', async () => {
    for (let i = 0; i < 1100; i++) {
      toggl.addEntry(user, { projectId: null, start: T0 - (i + 1) * 60_000, stop: T0 - i * 60_000 })
    }
    const res = await get('/me/time_entries?start_date=2026-03-01&end_date=2026-03-11')
    const body = (await res.json()) as { start: string }[]
    expect(body).toHaveLength(1000)
    expect(body[0]?.start).toBe('2026-03-10T11:59:00+00:00')
  })

  it('reports a running entry with duration = -(start epoch seconds)', async () => {
    const start = T0 - 3_600_000
    toggl.addEntry(user, { projectId: null, start, stop: null })
    const [entry] = (await (
      await get('/me/time_entries?start_date=2026-03-10&end_date=2026-03-11')
    ).json()) as { stop: null; duration: number }[]
    expect(entry).toMatchObject({ stop: null, duration: -start / 1000 })
  })

  it('hides deleted entries from ranges but shows them to since', async () => {
    now = T0 - 600_000
    const keep = toggl.addEntry(user, {
      projectId: null,
      start: T0 - 7_200_000,
      stop: T0 - 3_600_000,
    })
    const gone = toggl.addEntry(user, {
      projectId: null,
      start: T0 - 3_000_000,
      stop: T0 - 1_000_000,
    })
    now = T0 + 60_000
    toggl.deleteEntry(user, gone.id)
    const range = (await (
      await get('/me/time_entries?start_date=2026-03-10&end_date=2026-03-11')
    ).json()) as { id: number }[]
    expect(range.map((e) => e.id)).toEqual([keep.id])
    const since = (await (await get(`/me/time_entries?since=${T0 / 1000}`)).json()) as {
      id: number
      server_deleted_at: string | null
    }[]
    expect(since).toEqual([
      expect.objectContaining({ id: gone.id, server_deleted_at: '2026-03-10T12:01:00+00:00' }),
    ])
  })

  it('rejects bad parameter combinations like Toggl', async () => {
    const both = await get('/me/time_entries?since=1&before=2026-03-01')
    expect(both.status).toBe(400)
    expect(await both.json()).toBe("'since' and 'before' can not be present simultaneously")
    expect((await get('/me/time_entries?start_date=2026-03-01')).status).toBe(400)
    const old = await get('/me/time_entries?start_date=2025-11-01&end_date=2026-03-01')
    expect(old.status).toBe(400)
    expect(await old.text()).toBe('start_date must not be earlier than 2025-12-08')
  })

  it('pages workspace projects and nulls project_id of entries of deleted projects', async () => {
    const wid = user.defaultWorkspaceId
    const gone = toggl.addProject(user, { name: 'Doomed' })
    const e = toggl.addEntry(user, { projectId: gone.id, start: T0 - 60_000, stop: T0 })
    toggl.deleteProject(user, gone.id)
    expect(e.projectId).toBeNull()
    const page = await get(`/workspaces/${wid}/projects?active=both&per_page=1&page=1`)
    expect(((await page.json()) as unknown[]).length).toBe(1)
    expect((await get(`/workspaces/${wid}/projects?per_page=201`)).status).toBe(400)
    expect((await get('/workspaces/1/projects')).status).toBe(403)
    expect((await get('/nope')).status).toBe(404)
  })

  it('injects failures after auth', async () => {
    toggl.failNext(1, 429, { 'Retry-After': '120' })
    const res = await get('/me')
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toBe('120')
    expect((await get('/me')).status).toBe(200)
  })

  it('enforces the sliding hourly quota with 402', async () => {
    const small = new FakeToggl({ now: clock, quotaPerHour: 3 })
    small.addUser({ token: 'q' })
    const s = await serveFake(small.fetch)
    try {
      const call = (): Promise<Response> =>
        fetch(`${s.url}/api/v9/me`, { headers: { Authorization: basic('q') } })
      const remaining: (string | null)[] = []
      for (let i = 0; i < 3; i++) {
        const r = await call()
        expect(r.status).toBe(200)
        remaining.push(r.headers.get('X-Toggl-Quota-Remaining'))
        now += 60_000
      }
      expect(remaining).toEqual(['2', '1', '0'])
      const blocked = await call()
      expect(blocked.status).toBe(402)
      expect(blocked.headers.get('X-Toggl-Quota-Resets-In')).toBe('3420')
      expect(await blocked.json()).toBe(
        'You have hit your hourly limit for API calls. Your quota will reset in 3420 seconds.',
      )
      now = T0 + 3_600_000
      const again = await call()
      expect(again.status).toBe(200)
      expect(again.headers.get('X-Toggl-Quota-Remaining')).toBe('2')
    } finally {
      await s.close()
    }
  })
})

describe('FakeExist', () => {
  let exist: FakeExist
  let server: ServedFake
  let user: FakeExistUser
  const RESCUETIME = { name: 'rescuetime', label: 'RescueTime' }
  const call = (method: string, path: string, body?: unknown, token = 'ex-a') =>
    fetch(`${server.url}/api/2${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const post = async (path: string, body: unknown) => {
    const res = await call('POST', path, body)
    return {
      status: res.status,
      body: (await res.json()) as { success: unknown[]; failed: unknown[] },
    }
  }

  beforeAll(async () => {
    exist = new FakeExist({ now: clock })
    server = await serveFake(exist.fetch)
    user = exist.addUser({ token: 'ex-a', username: 'ada', timezone: 'Australia/Sydney' })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    now = T0
    user.attributes.clear()
    user.values.clear()
    exist.resetLog()
  })

  it('rejects unknown tokens with 401 and reports the profile in the user zone', async () => {
    const bad = await call('GET', '/accounts/profile/', undefined, 'nope')
    expect(bad.status).toBe(401)
    expect(await bad.json()).toEqual({ detail: 'Invalid token.' })
    const profile = await (await call('GET', '/accounts/profile/')).json()
    expect(profile).toMatchObject({
      timezone: 'Australia/Sydney',
      local_time: '2026-03-10T23:00:00.000+11:00',
    })
  })

  it('acquire takes ownership from another service; release gives it up', async () => {
    exist.giveAttribute(user, 'productive_min', { owner: RESCUETIME })
    const acquired = await post('/attributes/acquire/', [
      { template: 'productive_min', manual: false },
      { template: 'tv_min' },
      { template: 'no_such_template' },
    ])
    expect(acquired.status).toBe(202)
    expect(acquired.body.success).toEqual([
      { name: 'productive_min', active: true },
      { name: 'tv_min', active: true },
    ])
    expect(acquired.body.failed).toEqual([
      expect.objectContaining({ template: 'no_such_template', error_code: 'not_found' }),
    ])
    expect(user.attributes.get('productive_min')?.service?.name).toBe('timebridge')
    const owned = (await (await call('GET', '/attributes/owned/')).json()) as {
      count: number
      results: { name: string; value_type_description: string }[]
    }
    expect(owned.results.map((a) => a.name).sort()).toEqual(['productive_min', 'tv_min'])
    expect(owned.results[0]?.value_type_description).toBe('Period')

    exist.giveAttribute(user, 'steps', { owner: RESCUETIME })
    const released = await post('/attributes/release/', [{ name: 'tv_min' }, { name: 'steps' }])
    expect(released.status).toBe(202)
    expect(released.body).toEqual({
      success: [{ name: 'tv_min' }],
      failed: [
        {
          name: 'steps',
          error_code: 'unauthorised',
          error: "Attribute 'steps' does not belong to this service",
        },
      ],
    })
    expect(user.attributes.get('tv_min')?.service).toBeNull()
  })

  it('update overwrites, increment adds and is not idempotent', async () => {
    exist.giveAttribute(user, 'tv_min', { owner: exist.service })
    const up = await post('/attributes/update/', [
      { name: 'tv_min', date: '2026-03-09', value: 30 },
    ])
    expect(up).toEqual({
      status: 200,
      body: { success: [{ name: 'tv_min', date: '2026-03-09', value: 30 }], failed: [] },
    })
    const inc = [{ name: 'tv_min', date: '2026-03-09', value: 15 }]
    expect((await post('/attributes/increment/', inc)).body.success).toEqual([
      { name: 'tv_min', date: '2026-03-09', value: 15, current: 45 },
    ])
    await post('/attributes/increment/', inc)
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(60)
    // Default date is the user's local today: 23:00 on the 10th in Sydney.
    const noDate = await post('/attributes/increment/', [{ name: 'tv_min', value: 5 }])
    expect(noDate.body.success).toEqual([
      { name: 'tv_min', date: '2026-03-10', value: 5, current: 5 },
    ])
    expect(exist.writes()).toHaveLength(4)

    const wv = (await (
      await call('GET', '/attributes/with-values/?attributes=tv_min&days=3&date_max=2026-03-10')
    ).json()) as { results: { values: unknown[] }[] }
    expect(wv.results[0]?.values).toEqual([
      { date: '2026-03-10', value: 5 },
      { date: '2026-03-09', value: 60 },
      { date: '2026-03-08', value: null },
    ])
    expect((await call('GET', '/attributes/with-values/?days=32')).status).toBe(400)
  })

  it('pages with-values with next links, and takes hand edits and ownership changes from its control API', async () => {
    exist.giveAttribute(user, 'tv_min', { owner: exist.service })
    exist.giveAttribute(user, 'gaming_min', { owner: exist.service })
    const control = (path: string, body: unknown) =>
      fetch(`${server.url}/_control/users/ada/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect(
      (await control('values', { attribute: 'tv_min', date: '2026-03-09', value: 95 })).status,
    ).toBe(200)
    expect(
      (await control('values', { attribute: 'tv_min', date: '9 March', value: 95 })).status,
    ).toBe(400)
    expect(
      (await control('values', { attribute: 'nope', date: '2026-03-09', value: 1 })).status,
    ).toBe(404)
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(95)

    type Page = {
      count: number
      next: string | null
      results: { name: string; values: unknown[] }[]
    }
    const first = (await (
      await call(
        'GET',
        '/attributes/with-values/?attributes=tv_min,gaming_min&days=2&date_max=2026-03-10&limit=1',
      )
    ).json()) as Page
    expect(first.count).toBe(2)
    expect(first.results.map((r) => r.name)).toEqual(['tv_min'])
    expect(first.results[0]!.values).toEqual([
      { date: '2026-03-10', value: null },
      { date: '2026-03-09', value: 95 },
    ])
    expect(first.next).toMatch(/page=2/)
    const second = (await (
      await fetch(first.next!, { headers: { Authorization: 'Bearer ex-a' } })
    ).json()) as Page
    expect(second.results.map((r) => r.name)).toEqual(['gaming_min'])
    expect(second.next).toBeNull()

    const owned = async () =>
      ((await (await call('GET', '/attributes/owned/')).json()) as Page).results
        .map((r) => r.name)
        .sort()
    expect(await owned()).toEqual(['gaming_min', 'tv_min'])
    expect((await control('owner', { attribute: 'tv_min', owner: RESCUETIME })).status).toBe(200)
    expect(await owned()).toEqual(['gaming_min'])
    expect(
      (await post('/attributes/update/', [{ name: 'tv_min', date: '2026-03-09', value: 1 }]))
        .status,
    ).toBe(202)
    expect((await control('owner', { attribute: 'tv_min', owner: 'self' })).status).toBe(200)
    expect(await owned()).toEqual(['gaming_min', 'tv_min'])
    expect((await control('owner', { attribute: 'tv_min', owner: 42 })).status).toBe(400)
    // Control calls are the test's hands, not API traffic.
    expect(exist.requests.some((r) => r.path.startsWith('/_control'))).toBe(false)
  })

  it('reports item failures with 202 and rejects negative duration increments', async () => {
    exist.giveAttribute(user, 'tv_min', { owner: exist.service })
    exist.giveAttribute(user, 'gaming_min', { owner: RESCUETIME })
    const res = await post('/attributes/increment/', [
      { name: 'tv_min', date: '2026-03-09', value: 10 },
      { name: 'tv_min', date: '2026-03-09', value: -5 },
      { name: 'tv_min', date: '2026-03-09', value: 2.5 },
      { name: 'gaming_min', date: '2026-03-09', value: 5 },
      { name: 'nope', date: '2026-03-09', value: 5 },
      { name: 'tv_min', date: '2026-03-09' },
    ])
    expect(res.status).toBe(202)
    expect(res.body.success).toHaveLength(1)
    expect(res.body.failed).toEqual([
      {
        name: 'tv_min',
        date: '2026-03-09',
        value: -5,
        error_code: 'validation',
        error: 'Negative increments are not allowed for this attribute',
      },
      expect.objectContaining({ value: 2.5, error: 'Cannot apply a float to an integer type' }),
      expect.objectContaining({ name: 'gaming_min', error_code: 'unauthorised' }),
      expect.objectContaining({ name: 'nope', error_code: 'not_found' }),
      expect.objectContaining({
        error_code: 'missing_field',
        error: "Object at index 5 missing field(s) 'value'",
      }),
    ])
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(10)
    expect(exist.value(user, 'gaming_min', '2026-03-09')).toBe(0)

    const negUpdate = await post('/attributes/update/', [
      { name: 'tv_min', date: '2026-03-09', value: -1 },
    ])
    expect(negUpdate.body.failed).toEqual([expect.objectContaining({ error_code: 'validation' })])

    const rule = exist.failItems((i) => i.date === '2026-03-08')
    const partial = await post('/attributes/update/', [
      { name: 'tv_min', date: '2026-03-08', value: 1 },
      { name: 'tv_min', date: '2026-03-07', value: 2 },
    ])
    expect(partial.status).toBe(202)
    expect(partial.body.failed).toEqual([expect.objectContaining({ error: 'Rejected by test' })])
    rule.remove()
    expect(exist.value(user, 'tv_min', '2026-03-08')).toBe(0)
  })

  it('rejects malformed requests as a whole', async () => {
    const items = Array.from({ length: 36 }, () => ({
      name: 'tv_min',
      date: '2026-03-09',
      value: 1,
    }))
    expect((await call('POST', '/attributes/update/', items)).status).toBe(400)
    expect((await call('POST', '/attributes/update/', { name: 'tv_min' })).status).toBe(400)
    const text = await fetch(`${server.url}/api/2/attributes/update/`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ex-a', 'Content-Type': 'text/plain' },
      body: '[]',
    })
    expect(text.status).toBe(415)
  })

  it('returns 429 with no body after ratePerHour requests until the next hour', async () => {
    const small = new FakeExist({ now: clock, ratePerHour: 2 })
    small.addUser({ token: 'r', username: 'r' })
    const s = await serveFake(small.fetch)
    try {
      const profile = (): Promise<Response> =>
        fetch(`${s.url}/api/2/accounts/profile/`, { headers: { Authorization: 'Bearer r' } })
      expect((await profile()).status).toBe(200)
      expect((await profile()).status).toBe(200)
      const limited = await profile()
      expect(limited.status).toBe(429)
      expect(limited.headers.get('Retry-After')).toBe('3600')
      expect(await limited.text()).toBe('')
      now = T0 + 3_600_000
      expect((await profile()).status).toBe(200)
    } finally {
      await s.close()
    }
  })

  it('applies a write whose response is lost, so a blind retry double counts', async () => {
    exist.giveAttribute(user, 'tv_min', { owner: exist.service })
    const inc = [{ name: 'tv_min', date: '2026-03-09', value: 20 }]
    exist.loseNextResponse({ method: 'POST', path: '/increment/' })
    await expect(call('POST', '/attributes/increment/', inc)).rejects.toThrow()
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(20)
    expect(exist.writes()[0]).toMatchObject({ status: 200, lost: 'drop', user: 'ada' })

    exist.loseNextResponse({ path: '/increment/' }, 'gateway-timeout')
    expect((await call('POST', '/attributes/increment/', inc)).status).toBe(504)
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(40)

    exist.failNext({ path: '/increment/' }, { status: 503 })
    expect((await call('POST', '/attributes/increment/', inc)).status).toBe(503)
    expect(exist.value(user, 'tv_min', '2026-03-09')).toBe(40)
    expect((await post('/attributes/increment/', inc)).body.success).toEqual([
      expect.objectContaining({ current: 60 }),
    ])
  })
})
