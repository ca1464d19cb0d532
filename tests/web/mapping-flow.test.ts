/** Living with the mapping page: saving syncs at once, unmapping the last project asks (clear or leave), "not synced yet", one clear next step per empty state, one attribute order everywhere. */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attributes, mappings, userData, users } from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('mapping flow', () => {
  let h: Harness
  let app: ReturnType<typeof createApp>
  let alice: ReturnType<typeof addPerson>
  let work: number
  let tv: number
  let game: number

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    app = createApp(h.deps)
    alice = addPerson(h, 'alice', 'Europe/Berlin')
    work = h.toggl.addProject(alice.togglUser, { name: 'Client work' }).id
    tv = h.toggl.addProject(alice.togglUser, { name: 'Series' }).id
    game = h.toggl.addProject(alice.togglUser, { name: 'Games' }).id
    for (const [projectId, start, stop] of [
      [work, '2026-11-19T08:00:00Z', '2026-11-19T09:40:00Z'],
      [tv, '2026-11-18T19:00:00Z', '2026-11-18T20:00:00Z'],
      [game, '2026-11-17T19:00:00Z', '2026-11-17T19:45:00Z'],
    ] as const)
      h.toggl.addEntry(alice.togglUser, { projectId, start, stop })
  })
  afterEach(() => h.close())

  const userId = async () => (await h.deps.db.select().from(users))[0]!.id
  const signIn = async (connect = true) => {
    const client = new WebClient(app)
    await client.get('/signin')
    await client.post('/signin/token', { existToken: alice.existToken })
    if (connect) {
      await client.get('/connect')
      await client.post('/connect/toggl', { togglToken: alice.togglToken })
    }
    return client
  }
  const save = async (client: WebClient, choice: Record<string, string>) => {
    await client.get('/mapping')
    return client.post(
      '/mapping',
      Object.fromEntries(Object.entries(choice).map(([p, a]) => [`map[toggl:${p}]`, a])),
    )
  }

  it('saving a mapping syncs at once and lands on the status page with the outcome', async () => {
    const client = await signIn()
    const saved = await save(client, { [work]: 'productive_min', [tv]: 'tv_min' })
    expect(saved.location).toBe('/status')
    // Exist holds the tracked minutes before anyone presses Sync now.
    expect(h.exist.value(alice.existUser, 'productive_min', '2026-11-19')).toBe(100)
    expect(h.exist.value(alice.existUser, 'tv_min', '2026-11-18')).toBe(60)
    const status = await client.follow(saved)
    const words = text(status.html)
    expect(words).toContain('Mapping saved (2 changes). Sync: Done; 28 values changed in Exist.')
    expect(words).not.toContain('not synced yet')
    expect(status.html).toMatch(/data-date="2026-11-19" data-value="100"/)
    expect(words).toContain('Productive time 1:40 in 14 days')
  })

  it('before the first sync the chart says "not synced yet", never a row of zeros', async () => {
    const client = await signIn()
    h.toggl.failNext(3, 503)
    const saved = await save(client, { [work]: 'productive_min' })
    const status = await client.follow(saved)
    const words = text(status.html)
    expect(words).toContain(
      'Mapping saved (1 change). Sync: Paused: Toggl Track had a server error.',
    )
    expect(words).toContain('Productive time not synced yet')
    expect(words).toContain('Not synced yet')
    expect(status.html).not.toMatch(/data-value=/)
    expect(words).not.toContain('0:00')
    expect(words).not.toMatch(/HTTP \d/)

    const synced = await client.follow(await client.post('/sync'))
    expect(text(synced.html)).not.toContain('not synced yet')
    expect(synced.html).toMatch(/data-date="2026-11-19" data-value="100"/)
  })

  it('unmapping the last project of an attribute asks first; "clear" zeroes the window, then hands it back', async () => {
    const client = await signIn()
    await save(client, { [work]: 'productive_min', [tv]: 'tv_min', [game]: 'tv_min' })
    expect(h.exist.value(alice.existUser, 'tv_min', '2026-11-17')).toBe(45)
    const id = await userId()

    // Moving one of two projects away from an attribute asks nothing.
    const moved = await save(client, { [game]: 'gaming_min' })
    expect(moved.location).toBe('/status')

    const asked = await save(client, { [tv]: '', [work]: 'productive_min' })
    expect(asked.status).toBe(303)
    expect(asked.location).toMatch(/^\/mapping\/confirm\?/)
    expect(asked.location).not.toContain(`toggl%3A${work}`)
    const confirm = await client.follow(asked)
    const words = text(confirm.html)
    expect(words).toContain('Watching TV loses its last project (Series)')
    expect(words).toContain('the 14 days from Sat 7 Nov 2026 to Fri 20 Nov 2026')
    expect(confirm.html).toMatch(/name="stopped" value="clear"/)
    expect(confirm.html).toMatch(/name="stopped" value="keep"/)
    // Asking changed nothing.
    expect((await h.deps.db.select().from(mappings)).map((m) => m.attribute).sort()).toEqual([
      'gaming_min',
      'productive_min',
      'tv_min',
    ])
    expect(h.exist.value(alice.existUser, 'tv_min', '2026-11-18')).toBe(60)

    const done = await client.post('/mapping', {
      [`map[toggl:${tv}]`]: '',
      confirmed: 'yes',
      stopped: 'clear',
    })
    expect(done.location).toBe('/status')
    const status = text((await client.follow(done)).html)
    expect(status).toContain(
      'Watching TV: set to 0 in Exist for Sat 7 Nov 2026 – Fri 20 Nov 2026, then handed back to Exist.',
    )
    expect(h.exist.value(alice.existUser, 'tv_min', '2026-11-18')).toBe(0)
    expect(alice.existUser.attributes.get('tv_min')!.service).toBeNull()
    const left = await h.deps.db.select().from(userData).where(eq(userData.userId, id))
    expect(left.filter((r) => r.attribute === 'tv_min')).toEqual([])
    expect((await h.deps.db.select().from(attributes)).map((a) => a.attribute).sort()).toEqual([
      'gaming_min',
      'productive_min',
    ])
    // Back to the confirmation: a real page that says there is nothing left to confirm.
    const back = await client.get(asked.location!)
    expect(back.status).toBe(200)
    expect(text(back.html)).toContain('These choices are saved already.')
  })

  it('"leave" keeps the values in Exist and still hands the attribute back', async () => {
    const client = await signIn()
    await save(client, { [tv]: 'tv_min' })
    const asked = await save(client, { [tv]: '' })
    expect(asked.location).toMatch(/^\/mapping\/confirm\?/)
    const done = await client.post('/mapping', {
      [`map[toggl:${tv}]`]: '',
      confirmed: 'yes',
      stopped: 'keep',
    })
    expect(done.location).toBe('/status')
    const status = await client.follow(done)
    expect(text(status.html)).toContain(
      'Watching TV is no longer synced; Exist keeps the values it already has.',
    )
    expect(h.exist.value(alice.existUser, 'tv_min', '2026-11-18')).toBe(60)
    expect(alice.existUser.attributes.get('tv_min')!.service).toBeNull()
    expect(await h.deps.db.select().from(mappings)).toEqual([])
  })

  it('each empty state offers one next step and nothing that cannot work yet', async () => {
    const client = await signIn(false)
    const mapping = text((await client.open('/mapping')).html)
    expect(mapping).toContain('No time source is connected yet.')
    expect(mapping).not.toContain('Refresh projects')
    let status = text((await client.open('/status')).html)
    expect(status).toContain('Next step: connect Toggl Track or Clockify')
    for (const absent of ['Sync now', 'Zero Out', 'Next run', 'Nothing to sync yet', 'Recent runs'])
      expect(status).not.toContain(absent)

    await client.get('/connect')
    await client.post('/connect/toggl', { togglToken: alice.togglToken })
    status = text((await client.open('/status')).html)
    expect(status).toContain('Next step: choose which Exist attribute each project feeds')
    for (const absent of ['Sync now', 'Zero Out', 'Next run']) expect(status).not.toContain(absent)

    // After real runs, unmapping everything says so in words that fit.
    await save(client, { [work]: 'productive_min' })
    await save(client, { [work]: '' })
    await client.post('/mapping', { [`map[toggl:${work}]`]: '', confirmed: 'yes', stopped: 'keep' })
    status = text((await client.open('/status')).html)
    expect(status).toContain('No project is mapped now, so nothing is synced.')
    expect(status).toContain('Recent runs')
    expect(status).not.toContain('Zero Out')
  })

  it('lists attributes in one order on every page: templates first, in their usual order', async () => {
    const client = await signIn()
    await save(client, { [tv]: 'tv_min', [game]: 'gaming_min', [work]: 'productive_min' })
    const order = /Productive time, Watching TV, Time gaming/
    expect(text((await client.open('/zero-out')).html)).toMatch(order)
    expect(text((await client.open('/disconnect')).html)).toMatch(order)
    expect(text((await client.open('/sources/toggl/disconnect')).html)).toMatch(order)
    const titles = [
      ...(await client.open('/status')).html.matchAll(/class="chart-title">([^<]+)</g),
    ]
    expect(titles.map((m) => m[1])).toEqual(['Productive time', 'Watching TV', 'Time gaming'])
  })
})
