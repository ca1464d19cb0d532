/** Fuzz (fast-check): every Toggl, Clockify and Exist call answered by a hostile loopback server → a typed error, no crash, nothing half-written, and the next clean run converges. */
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { refreshProjects } from '../../src/accounts/project-list.ts'
import { ApiError } from '../../src/clients/api-client.ts'
import { exchangeCode } from '../../src/clients/exist/exist-oauth.ts'
import { InputError } from '../../src/core/input-error.ts'
import type { Logger } from '../../src/shared/log.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import type {
  FakeClockifyProject,
  FakeClockifyUser,
  FakeExistUser,
  FakeTogglProject,
} from '../fakes/index.ts'
import {
  authorizationCode,
  OAUTH_ENV,
  registerTestClient,
  TEST_CLIENT,
} from '../helpers/exist-oauth.ts'
import { createHarness, DAY, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import {
  addPerson,
  clockifyEntries,
  expectExistMatches,
  expectExistMatchesToggl,
  mappedPerson,
  type Person,
} from '../helpers/scenario.ts'
import { type Hostile, HostileSwitch, hostile, type Target } from './hostile.ts'

const LONG = process.env.TIMEBRIDGE_LONG === '1'
/** Hostile answers tried per client call: a quick pass in `npm test`, the full run in `npm run test:long`. */
const RUNS = LONG ? 500 : 5

const TABLES = [
  'users',
  'source_connections',
  'projects',
  'mappings',
  'attributes',
  'user_data',
] as const

describe('fuzz: hostile API answers', { timeout: LONG ? 900_000 : 60_000 }, () => {
  const hostileSwitch = new HostileSwitch()
  const events: { level: string; event: string; fields?: Record<string, unknown> }[] = []
  const log: Logger = {
    info: () => {},
    warn: (event, fields) =>
      void events.push({ level: 'warn', event, ...(fields ? { fields } : {}) }),
    error: (event, fields) =>
      void events.push({ level: 'error', event, ...(fields ? { fields } : {}) }),
  }
  let h: Harness
  let alice: Person
  let games: FakeTogglProject
  let cleo: { user: number; cu: FakeClockifyUser; eu: FakeExistUser; work: FakeClockifyProject }
  let day = 0

  beforeAll(async () => {
    h = await createHarness({
      now: '2026-11-20T12:00:00Z',
      env: OAUTH_ENV,
      wrap: hostileSwitch.wrap,
      log,
    })
    registerTestClient(h)
    alice = await mappedPerson(h)
    games = h.toggl.addProject(alice.togglUser, { name: 'Games' })
    const cu = h.clockify.addUser({ key: 'clockify-key-cleo-0001', name: 'cleo' })
    const eu = h.exist.addUser({
      token: 'exist-token-cleo-0001',
      username: 'cleo',
      timezone: 'Europe/Berlin',
    })
    const work = h.clockify.addProject(cu, { name: 'Client work' })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      { clockifyKey: cu.key },
    )
    await mapProject(h.deps, user, `clockify:${work.id}`, 'productive_min')
    cleo = { user, cu, eu, work }
    addPerson(h, 'newbie')
    await syncUser(h.deps, alice.user, 'cli')
    await syncUser(h.deps, user, 'cli')
  })
  afterAll(() => h.close())

  /**
   * Every table but the run history, without the columns a successful step before the hostile call
   * may move: the lease (held only during a run) and the daily refresh stamps (time zone, projects).
   */
  const VOLATILE = [
    'lease_until',
    'lease_owner',
    'lease_started_at',
    'timezone_checked_at',
    'projects_refreshed_at',
  ]
  const snapshot = async () => {
    const out: Record<string, unknown[]> = {}
    for (const t of TABLES) {
      const rows: Record<string, unknown>[] = await h.deps.db.all(
        sql.raw(`select * from ${t} order by 1, 2, 3`),
      )
      out[t] = rows.map((row) =>
        Object.fromEntries(Object.entries(row).filter(([k]) => !VOLATILE.includes(k))),
      )
    }
    return out
  }
  const existValues = () =>
    JSON.stringify(
      h.exist.users.map((u) => [u.username, [...u.values].map(([a, d]) => [a, [...d].sort()])]),
    )

  /** A new entry on a window day, so a sync has something to write. */
  const addAliceEntry = () => {
    const start = h.clock.now - (1 + (day++ % 10)) * DAY + (day % 7) * 7 * MINUTE
    h.toggl.addEntry(alice.togglUser, {
      projectId: alice.work.id,
      start,
      stop: start + 11 * MINUTE,
    })
  }

  const cleoCheck = () =>
    expectExistMatches(
      h,
      cleo.eu,
      'Europe/Berlin',
      clockifyEntries(cleo.cu),
      new Map([[`clockify:${cleo.work.id}`, 'productive_min']]),
    )

  /** Runs `op` with the target answered by `answer`; returns what came out, checking it is typed. */
  async function underFire<T>(
    target: Target,
    answer: Hostile,
    op: () => Promise<T>,
  ): Promise<{ ok: T } | { error: Error }> {
    // An hour per try keeps every call within the fakes' hourly quotas (Toggl and Clockify: 30).
    h.advance(HOUR)
    events.length = 0
    hostileSwitch.arm(target, answer)
    let out: { ok: T } | { error: Error }
    try {
      out = { ok: await op() }
    } catch (error) {
      out = { error: error as Error }
    } finally {
      hostileSwitch.disarm()
    }
    expect(
      hostileSwitch.hits,
      `the hostile answer was used (${JSON.stringify(target.path.source)})`,
    ).toBeGreaterThan(0)
    if ('error' in out) {
      // A typed error with a one-line message, never a TypeError from reading a field that isn't there.
      expect(
        out.error instanceof ApiError || out.error instanceof InputError,
        `${out.error.name}: ${out.error.message}`,
      ).toBe(true)
      expect(out.error.message).not.toMatch(/\n/)
    }
    // An unexpected exception inside a run is logged as sync_failed: there must be none.
    expect(events.filter((e) => e.level === 'error')).toEqual([])
    return out
  }

  /** A run's outcome: ran to the end, or ended on a typed API error. */
  const failedRun = (out: { ok: Awaited<ReturnType<typeof syncUser>> } | { error: Error }) => {
    expect('ok' in out, 'syncUser reports failures, it does not throw them').toBe(true)
    const report = (out as { ok: Awaited<ReturnType<typeof syncUser>> }).ok
    expect(['ok', 'partial', 'deferred', 'error']).toContain(report.status)
    if (report.error) expect(report.error).not.toMatch(/\n/)
    return report.status !== 'ok'
  }

  /**
   * Every call also always gets a full page of copies of a real item (valid-looking: it drives the
   * Toggl range halving and the Clockify paging to their limits) and an HTML 500 page.
   */
  const ALWAYS: [Hostile][] = [
    [{ kind: 'huge', n: 1_000, item: 'copy' }],
    [{ kind: 'html', status: 500 }],
  ]
  const property = (arbitrary: fc.Arbitrary<Hostile>, check: (answer: Hostile) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arbitrary, check), {
      numRuns: RUNS,
      endOnFailure: true,
      examples: ALWAYS,
      // Replays a failure fast-check printed: TIMEBRIDGE_SEED=<seed> TIMEBRIDGE_PATH=<path>.
      ...(process.env.TIMEBRIDGE_SEED ? { seed: Number(process.env.TIMEBRIDGE_SEED) } : {}),
      ...(process.env.TIMEBRIDGE_PATH ? { path: process.env.TIMEBRIDGE_PATH } : {}),
    })

  /** The clean run after a hostile one, an hour later (the fakes' hourly quotas start again). */
  const settleAlice = async () => {
    h.advance(HOUR)
    await syncUser(h.deps, alice.user, 'cli')
    expectExistMatchesToggl(h, alice)
  }

  it('Toggl GET /me/time_entries', async () => {
    const target: Target = {
      service: 'toggl',
      method: 'GET',
      path: /^\/api\/v9\/me\/time_entries$/,
    }
    await property(hostile, async (answer) => {
      addAliceEntry()
      const before = await snapshot()
      const exist = existValues()
      const out = await underFire(target, answer, () => syncUser(h.deps, alice.user, 'cli'))
      if (failedRun(out)) {
        expect(await snapshot()).toEqual(before)
        expect(existValues()).toBe(exist)
      }
      await settleAlice()
    })
  })

  for (const [name, path] of [['Toggl GET /me', /^\/api\/v9\/me$/]] as const) {
    it(`${name} (project refresh)`, async () => {
      const target: Target = { service: 'toggl', method: 'GET', path }
      await property(hostile, async (answer) => {
        const before = await snapshot()
        const out = await underFire(target, answer, () => refreshProjects(h.deps, alice.user))
        if ('error' in out) expect(await snapshot()).toEqual(before)
        h.advance(HOUR)
        await refreshProjects(h.deps, alice.user)
      })
    })
  }

  for (const [name, path] of [
    ['Clockify GET /user', /^\/api\/v1\/user$/],
    ['Clockify GET /workspaces', /^\/api\/v1\/workspaces$/],
    ['Clockify GET /workspaces/{ws}/projects', /^\/api\/v1\/workspaces\/[^/]+\/projects$/],
  ] as const) {
    it(`${name} (project refresh)`, async () => {
      const target: Target = { service: 'clockify', method: 'GET', path }
      await property(hostile, async (answer) => {
        const before = await snapshot()
        const out = await underFire(target, answer, () => refreshProjects(h.deps, cleo.user))
        if ('error' in out) expect(await snapshot()).toEqual(before)
        h.advance(HOUR)
        await refreshProjects(h.deps, cleo.user)
      })
    })
  }

  it('Clockify GET /workspaces/{ws}/user/{id}/time-entries', async () => {
    const target: Target = { service: 'clockify', method: 'GET', path: /\/time-entries$/ }
    await property(hostile, async (answer) => {
      const start = h.clock.now - (1 + (day++ % 9)) * DAY
      h.clockify.addEntry(cleo.cu, { projectId: cleo.work.id, start, end: start + 13 * MINUTE })
      const before = await snapshot()
      const exist = existValues()
      const out = await underFire(target, answer, () => syncUser(h.deps, cleo.user, 'cli'))
      if (failedRun(out)) {
        expect(await snapshot()).toEqual(before)
        expect(existValues()).toBe(exist)
      }
      h.advance(HOUR)
      await syncUser(h.deps, cleo.user, 'cli')
      cleoCheck()
    })
  })

  it('Exist GET /accounts/profile/ (connect)', async () => {
    const target: Target = {
      service: 'exist',
      method: 'GET',
      path: /^\/api\/2\/accounts\/profile\/$/,
    }
    await property(hostile, async (answer) => {
      const before = await snapshot()
      const out = await underFire(target, answer, () =>
        connectUser(
          h.deps,
          { kind: 'personal', token: 'exist-token-newbie-0001' },
          { togglToken: 'toggl-token-newbie-0001' },
        ),
      )
      if ('error' in out) expect(await snapshot()).toEqual(before)
      else await h.deps.db.run(sql`delete from users where exist_username = 'newbie'`)
    })
  })

  for (const [name, method, path] of [
    ['Exist GET /attributes/', 'GET', /^\/api\/2\/attributes\/$/],
    ['Exist POST /attributes/acquire/', 'POST', /^\/api\/2\/attributes\/acquire\/$/],
  ] as const) {
    it(`${name} (mapping)`, async () => {
      const target: Target = { service: 'exist', method, path }
      await property(hostile, async (answer) => {
        const before = await snapshot()
        const out = await underFire(target, answer, () =>
          mapProject(h.deps, alice.user, `toggl:${games.id}`, 'gaming_min'),
        )
        if ('error' in out) expect(await snapshot()).toEqual(before)
        else await mapProject(h.deps, alice.user, `toggl:${games.id}`, null)
      })
    })
  }

  it('Exist POST /attributes/release/ (unmapping): the mapping goes, a bad answer is reported, not fatal', async () => {
    const target: Target = {
      service: 'exist',
      method: 'POST',
      path: /^\/api\/2\/attributes\/release\/$/,
    }
    await property(hostile, async (answer) => {
      await mapProject(h.deps, alice.user, `toggl:${games.id}`, 'gaming_min')
      const out = await underFire(target, answer, () =>
        mapProject(h.deps, alice.user, `toggl:${games.id}`, null),
      )
      expect('ok' in out).toBe(true)
      const rows = await h.deps.db.all(
        sql`select * from mappings where project = ${`toggl:${games.id}`}`,
      )
      expect(rows).toEqual([])
    })
  })

  for (const op of ['update', 'increment'] as const) {
    it(`Exist POST /attributes/${op}/: confirmed rows hold what Exist holds, and the next run converges`, async () => {
      const target: Target = {
        service: 'exist',
        method: 'POST',
        path: new RegExp(`^/api/2/attributes/${op}/$`),
      }
      await property(hostile, async (answer) => {
        if (op === 'increment') addAliceEntry()
        else {
          // A new entry synced, then shortened: the total goes down, which is an update.
          addAliceEntry()
          await settleAlice()
          const e = alice.togglUser.entries.at(-1)!
          h.toggl.editEntry(alice.togglUser, e.id, { stop: e.stop! - MINUTE })
        }
        const out = await underFire(target, answer, () => syncUser(h.deps, alice.user, 'cli'))
        failedRun(out)
        // Nothing half-written: a row not pending says exactly what Exist holds.
        const ledger: { attribute: string; date: string; value: number; pending: number }[] =
          await h.deps.db.all(
            sql`select attribute, date, value, pending from user_data where user_id = ${alice.user}`,
          )
        for (const r of ledger.filter((x) => !x.pending))
          expect(
            h.exist.value(alice.existUser, r.attribute, r.date),
            `${r.attribute} ${r.date}`,
          ).toBe(r.value)
        await settleAlice()
      })
    })
  }

  it('Exist POST /oauth2/access_token (code exchange)', async () => {
    const target: Target = { service: 'exist', method: 'POST', path: /^\/oauth2\/access_token$/ }
    const client = { clientId: TEST_CLIENT.clientId, clientSecret: TEST_CLIENT.clientSecret }
    await property(hostile, async (answer) => {
      const code = await authorizationCode(
        h.urls.exist,
        'newbie',
        `${h.deps.config.publicUrl}/oauth/callback`,
      ).catch(() => 'no-code')
      const out = await underFire(target, answer, () => exchangeCode(h.deps, client, code))
      if ('ok' in out) expect(out.ok.token.length).toBeGreaterThan(0)
    })
  })

  // Last: a lying answer here may make Timebridge think another service took an attribute, which
  // stops writes to it until it is mapped again (by design, no tug of war).
  for (const [name, path] of [
    ['Exist GET /attributes/with-values/', /^\/api\/2\/attributes\/with-values\/$/],
    ['Exist GET /attributes/owned/', /^\/api\/2\/attributes\/owned\/$/],
  ] as const) {
    it(`${name} (the daily drift check): the run goes on, and nothing wrong reaches Exist`, async () => {
      const target: Target = { service: 'exist', method: 'GET', path }
      await property(hostile, async (answer) => {
        await settleAlice()
        // The check is due (it runs once a day on the schedule).
        await h.deps.db.run(sql`update users set exist_checked_at = null where id = ${alice.user}`)
        const out = await underFire(target, answer, () => syncUser(h.deps, alice.user, 'schedule'))
        failedRun(out)
        expectExistMatchesToggl(h, alice)
      })
    })
  }
})
