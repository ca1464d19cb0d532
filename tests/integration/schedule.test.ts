/** Many users: bounded concurrency, failure isolation, the per-user lease and the non-overlapping cron. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HttpTransport } from '../../src/clients/http-transport.ts'
import type { Deps } from '../../src/deps.ts'
import { startNodeServer } from '../../src/entry/node-server.ts'
import { syncAll } from '../../src/sync/sync-all.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, DAY, type Harness } from '../helpers/harness.ts'
import { expectExistMatchesToggl, mappedPerson } from '../helpers/scenario.ts'

describe('scheduling many users', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it("runs every user with bounded concurrency, and one user's failure never stops the others", async () => {
    const people = []
    for (const name of ['ann', 'ben', 'cat', 'dev', 'eve', 'fay']) {
      const p = await mappedPerson(h, name, name === 'cat' ? 'Asia/Tokyo' : 'Europe/Berlin')
      h.toggl.addEntry(p.togglUser, {
        projectId: p.work.id,
        start: '2026-11-19T08:00:00Z',
        stop: '2026-11-19T09:10:00Z',
      })
      people.push(p)
    }
    h.toggl.revoke(people[1]!.togglUser) // ben: source disconnected
    h.exist.revoke(people[3]!.existUser) // dev: syncing stops

    let inFlight = 0
    let peak = 0
    const realTransport = h.deps.transport
    const deps: Deps = {
      ...h.deps,
      transport: async (req) => {
        peak = Math.max(peak, ++inFlight)
        try {
          await new Promise((r) => setTimeout(r, 5))
          return await realTransport(req)
        } finally {
          inFlight--
        }
      },
    }
    const reports = await syncAll(deps, 'schedule', { concurrency: 2 })
    expect(reports.map((r) => [r.user, r.status])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
      [4, 'stopped'],
      [5, 'ok'],
      [6, 'ok'],
    ])
    expect(peak).toBeLessThanOrEqual(2)
    for (const p of [people[0]!, people[2]!, people[4]!, people[5]!]) expectExistMatchesToggl(h, p)
    // the stopped user is no longer due
    expect((await syncAll(h.deps, 'schedule')).map((r) => r.user)).toEqual([1, 2, 3, 5, 6])
  })

  it('never runs one user twice at once', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const [a, b] = await Promise.all([
      syncUser(h.deps, p.user, 'cli'),
      syncUser(h.deps, p.user, 'schedule'),
    ])
    expect([a.status, b.status].sort()).toEqual(['ok', 'skipped'])
    const skipped = a.status === 'skipped' ? a : b
    expect(skipped.error).toMatch(
      /^Another run for this user is under way \(this host, process \d+, since .*\); it is done by .* at the latest$/,
    )
    expect(Date.parse(skipped.busy!.done_by)).toBeGreaterThan(h.clock.now)
    expectExistMatchesToggl(h, p)
  })

  it('refreshes the project list once a day, not every run', async () => {
    const p = await mappedPerson(h)
    h.toggl.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    h.toggl.addProject(p.togglUser, { name: 'New thing' })
    h.advance(DAY)
    await syncUser(h.deps, p.user, 'schedule')
    expect(h.toggl.requests.map((r) => r.path)).toEqual([
      '/api/v9/me/time_entries',
      '/api/v9/me',
      '/api/v9/me/time_entries',
    ])
  })

  it('the Node server runs the schedule without overlapping runs', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const events: string[] = []
    const log = { ...h.deps.log, info: (event: string) => void events.push(event) }
    const slowTransport: HttpTransport = async (req) => {
      await new Promise((r) => setTimeout(r, 1500)) // longer than the 1-second schedule
      return h.deps.transport(req)
    }
    const server = await startNodeServer(
      {
        ...h.deps,
        log,
        transport: slowTransport,
        config: { ...h.deps.config, syncSchedule: '* * * * * *' },
      },
      { port: 0, hostname: '127.0.0.1' },
    )
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      await new Promise((r) => setTimeout(r, 4000))
    } finally {
      await server.close()
    }
    const runs = events.filter((e) => e.startsWith('scheduled_run'))
    expect(runs.slice(0, 2)).toEqual(['scheduled_run_started', 'scheduled_run'])
    // every start is followed by its end before the next start: ticks during a run are skipped
    for (let i = 0; i + 1 < runs.length; i += 2)
      expect(runs.slice(i, i + 2)).toEqual(['scheduled_run_started', 'scheduled_run'])
  }, 15_000)
})
