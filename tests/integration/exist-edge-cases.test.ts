/** Exist as documented but easy to miss: inactive and low-priority attributes of the user, and a 429 with or without Retry-After. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { existClient } from '../../src/clients/exist/exist-client.ts'
import { getUser } from '../../src/store/user-store.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import { addPerson, expectExistMatchesToggl, mappedPerson } from '../helpers/scenario.ts'

describe('Exist edge cases', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:10:00Z' })
  })
  afterEach(() => h.close())

  it("finds the user's own inactive and low-priority duration attributes when mapping", async () => {
    const p = addPerson(h, 'ina')
    const reading = h.toggl.addProject(p.togglUser, { name: 'Reading' })
    const chores = h.toggl.addProject(p.togglUser, { name: 'Chores' })
    // Released by another service earlier (inactive), and one far down its group (priority 12).
    h.exist.giveAttribute(p.existUser, 'reading_min', {
      owner: null,
      active: false,
      value_type: 3,
      group: 'media',
    })
    h.exist.giveAttribute(p.existUser, 'chores_min', {
      owner: null,
      value_type: 3,
      group: 'custom',
      priority: 12,
    })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: p.togglToken },
    )
    await expect(
      mapProject(h.deps, user, `toggl:${reading.id}`, 'reading_min'),
    ).resolves.toMatchObject({ attribute: 'reading_min' })
    await expect(
      mapProject(h.deps, user, `toggl:${chores.id}`, 'chores_min'),
    ).resolves.toMatchObject({ attribute: 'chores_min' })
    const listed = h.exist.requests.filter((r) => r.path === '/api/2/attributes/')
    expect(
      listed.every(
        (r) => r.query.include_inactive === 'true' && r.query.include_low_priority === 'true',
      ),
    ).toBe(true)
    h.toggl.addEntry(p.togglUser, {
      projectId: reading.id,
      start: '2026-11-19T20:00:00Z',
      stop: '2026-11-19T20:25:00Z',
    })
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(p.existUser, 'reading_min', '2026-11-19')).toBe(25)
  })

  it('a 429 without Retry-After (as documented) waits for the next hour; with one, as long as it says', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    h.exist.failNext({ method: 'POST', path: '/attributes/update/' }, { status: 429 })
    const bare = await syncUser(h.deps, p.user, 'cli')
    expect(bare.status).toBe('deferred')
    expect((await getUser(h.deps.db, p.user)).retryAfter?.toISOString()).toBe(
      '2026-11-20T13:00:00.000Z',
    )
    // Sync now before then spends nothing.
    h.exist.resetLog()
    expect((await syncUser(h.deps, p.user, 'web')).status).toBe('skipped')
    expect(h.exist.requests).toEqual([])

    h.advance(HOUR)
    h.exist.failNext(
      { method: 'POST', path: '/attributes/update/' },
      { status: 429, headers: { 'Retry-After': '120' } },
    )
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('deferred')
    expect((await getUser(h.deps.db, p.user)).retryAfter?.getTime()).toBe(h.clock.now + 2 * MINUTE)

    h.advance(3 * MINUTE)
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })

  it('refuses a list whose `next` never ends instead of acting on the first 20 pages', async () => {
    const endless = await createHarness({
      wrap: (service, handler) => async (req) => {
        const url = new URL(req.url)
        if (service !== 'exist' || url.pathname !== '/api/2/attributes/') return handler(req)
        const page = Number(url.searchParams.get('page') ?? 1)
        url.searchParams.set('page', String(page + 1))
        return Response.json({
          count: 100_000,
          next: url.href,
          results: [{ name: `a${page}_min`, label: `A${page}`, value_type: 3 }],
        })
      },
    })
    try {
      const p = addPerson(endless, 'eli')
      const client = existClient(endless.deps, endless.urls.exist, p.existToken)
      await expect(client.attributes()).rejects.toThrow(
        'Exist answered GET /attributes/ with more than 20 pages of 100; gave up',
      )
      expect(endless.exist.requests.length).toBe(0)
    } finally {
      await endless.close()
    }
  })
})
