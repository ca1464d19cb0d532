/** Web answers when operating goes wrong: Sync now while a run is under way, and saved tokens unreadable after SECRET_KEY changed. */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nodeProcessProbe } from '../../src/entry/node-process.ts'
import { createSecretBox } from '../../src/shared/secret-box.ts'
import { users } from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { mappedPersonWith, type Person } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('web: operating problems in plain words', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPersonWith(h, [['work', '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z']])
  })
  afterEach(() => h.close())

  const signIn = async (app: ReturnType<typeof createApp>) => {
    const client = new WebClient(app)
    await client.get('/signin')
    expect((await client.post('/signin/token', { existToken: p.existToken })).status).toBe(303)
    await client.get('/status')
    return client
  }

  it('Sync now while a run is under way says so, and when it is done at the latest', async () => {
    const client = await signIn(createApp(h.deps))
    // A live process on this host (this test's parent) holds the lease, taken a minute ago.
    const self = nodeProcessProbe().self
    await h.deps.db
      .update(users)
      .set({
        leaseOwner: JSON.stringify({ ...self, pid: process.ppid, start: 'unknown', run: 'live' }),
        leaseUntil: new Date(h.clock.now + 30_000),
        leaseStartedAt: new Date(h.clock.now - 60_000),
      })
      .where(eq(users.id, p.user))
    const page = text((await client.follow(await client.post('/sync'))).html)
    // Started 12:59 Berlin time; at most 10 minutes of run and one minute of lease after that.
    expect(page).toContain(
      'Sync now: another run for you is already under way; it is done by today 13:10 at the latest.',
    )
    expect(h.exist.writes()).toEqual([])
  })

  it('after SECRET_KEY changed, Refresh projects and the status page say the saved tokens cannot be read and what to do', async () => {
    // The operator replaced the key: sessions end, the sealed tokens stay sealed under the old one.
    const deps = {
      ...h.deps,
      box: await createSecretBox('another-secret-key-0123456789abcdef0123456789'),
    }
    const app = createApp(deps)
    const client = await signIn(app)

    const refreshed = await client.follow(await client.post('/mapping/refresh'))
    expect(refreshed.status).toBe(200)
    expect(text(refreshed.html)).toContain(
      'Could not refresh projects: Timebridge can no longer read your saved Toggl Track token: the server’s secret key (SECRET_KEY) was changed. Paste the token again on the Sources page.',
    )

    const synced = text((await client.follow(await client.post('/sync'))).html)
    expect(synced).toContain('Paste the token again on the Sources page.')
    expect(synced).not.toMatch(/decrypt|Something went wrong/)

    // Pasting the Toggl token again is the cure.
    await client.get('/connect')
    expect((await client.post('/connect/toggl', { togglToken: p.togglToken })).status).toBe(303)
    expect(text((await client.follow(await client.post('/sync'))).html)).toContain('Sync now: Done')
  })
})
