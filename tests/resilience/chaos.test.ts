/**
 * Chaos: sync runs over random edit sequences (create, edit, move, delete, remap, running timers)
 * in Toggl and in Clockify, with random faults from the loopback fakes — timeouts, connection
 * resets, 5xx, writes applied but their answer lost, 202 partial failures, Toggl 402/429, Clockify
 * 429, Exist 429. After every fault-free run Exist equals the truth for every (attribute, day); no
 * increment is negative or fractional. Seeded: a failure prints its seed, and TIMEBRIDGE_SEED=<seed>
 * replays it. TIMEBRIDGE_LONG=1 runs 500 runs per source.
 */
import { describe, expect, it } from 'vitest'
import { mapProject } from '../../src/accounts/map-project.ts'
import { refreshProjects } from '../../src/accounts/project-list.ts'
import { getUser } from '../../src/store/user-store.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import type { FakeExistUser } from '../fakes/index.ts'
import { createHarness, DAY, type Harness, MINUTE } from '../helpers/harness.ts'
import type { OracleEntry } from '../helpers/oracle.ts'
import {
  clockifyEntries,
  connectMapped,
  expectExistMatches,
  mappedPerson,
  togglEntries,
} from '../helpers/scenario.ts'
import { baseSeed, type Rand, seeded } from '../helpers/seeded.ts'

const LONG = process.env.TIMEBRIDGE_LONG === '1'
/** Sequences of runs: a step is a run with faults (60 %) and then a fault-free run. 10 × 50 = 500. */
const SIZE = LONG ? { toggl: 10, clockify: 10, runs: 50 } : { toggl: 3, clockify: 2, runs: 16 }
const ATTRIBUTES = ['productive_min', 'tv_min', 'gaming_min'] as const
const TIMEOUT_MS = 250

for (const source of ['toggl', 'clockify'] as const) {
  describe(`chaos (${source}): random edits and faults, then a clean run converges`, () => {
    // The same seeds for both sources: a replay with TIMEBRIDGE_SEED runs both.
    const base = baseSeed()
    for (let s = 0; s < SIZE[source]; s++) {
      const seed = base + s
      it(`sequence ${s + 1} (seed ${seed})`, { timeout: LONG ? 600_000 : 60_000 }, async () => {
        const stats = await runSequence(source, seeded(seed), SIZE.runs).catch((error: Error) => {
          error.message = `Chaos failed with seed ${seed} (replay: TIMEBRIDGE_SEED=${seed} npx vitest run tests/resilience/chaos.test.ts): ${error.message}`
          throw error
        })
        expect(stats.runs).toBeGreaterThanOrEqual(SIZE.runs)
        console.log(
          `chaos ${source} seed ${seed}: ${stats.runs} runs, faults ${JSON.stringify(stats.faults)}`,
        )
      })
    }
  })
}

type Fault = (h: Harness, rand: Rand) => void

const EXIST_FAULTS: Record<string, Fault> = {
  'exist 5xx': (h, r) =>
    h.exist.failNext({ method: 'POST', path: '/attributes/' }, { status: r.pick([500, 502, 503]) }),
  'exist 429': (h, r) =>
    h.exist.failNext(
      { path: '/api/2/' },
      { status: 429, headers: r.chance(0.5) ? { 'Retry-After': String(r.int(1, 600)) } : {} },
    ),
  'exist answer lost': (h, r) =>
    h.exist.loseNextResponse(
      { method: 'POST', path: r.pick(['/attributes/update/', '/attributes/increment/']) },
      r.pick(['drop', 'gateway-timeout'] as const),
    ),
  'exist reset': (h) => h.net.exist.next({ kind: 'reset' }, { method: 'POST' }),
  'exist timeout, applied late': (h) =>
    h.net.exist.next({ kind: 'delay', ms: TIMEOUT_MS + 100 }, { method: 'POST' }),
  'exist 202 partial': (h, r) => {
    h.exist.failItems(() => r.chance(0.3), 'validation', 'Refused by the chaos suite', r.int(1, 5))
  },
}

/** Resets and timeouts between Timebridge and a source, as its network would make them. */
const networkFaults = (source: 'toggl' | 'clockify'): Record<string, Fault> => ({
  [`${source} reset`]: (h, r) => {
    for (let i = r.int(1, 3); i > 0; i--) h.net[source].next({ kind: 'reset' })
  },
  [`${source} timeout`]: (h, r) => {
    for (let i = r.int(1, 3); i > 0; i--)
      h.net[source].next({ kind: 'delay', ms: TIMEOUT_MS + 100 })
  },
})

const SOURCE_FAULTS: Record<'toggl' | 'clockify', Record<string, Fault>> = {
  toggl: {
    'toggl 5xx': (h) => h.toggl.failNext(3, 503),
    'toggl 402': (h, r) =>
      h.toggl.failNext(1, 402, { 'X-Toggl-Quota-Resets-In': String(r.int(1, 3000)) }),
    'toggl 429': (h, r) => h.toggl.failNext(1, 429, r.chance(0.5) ? { 'Retry-After': '60' } : {}),
    ...networkFaults('toggl'),
  },
  clockify: {
    'clockify 5xx': (h, r) => h.clockify.failNext(3, r.pick([500, 502, 503]), { message: 'down' }),
    'clockify 429': (h, r) =>
      h.clockify.failNext(
        1,
        429,
        { message: 'Too many requests', code: 429 },
        r.chance(0.5) ? { 'Retry-After': '60' } : {},
      ),
    ...networkFaults('clockify'),
  },
}

/** One person's time in one source, edited the way a person would, and what the oracle reads. */
interface Tracker {
  /** Project keys as mapped (`toggl:123`, `clockify:abc`). */
  projects: string[]
  live(): { id: string; start: number; stop: number | null }[]
  add(project: string, start: number, stop: number | null): void
  edit(id: string, patch: { start?: number; stop?: number | null; project?: string }): void
  remove(id: string): void
  truth(): OracleEntry[]
  clearFaults(): void
}

interface World {
  user: number
  existUser: FakeExistUser
  tracker: Tracker
  mapping: Map<string, string>
}

const idOf = (project: string) => project.slice(project.indexOf(':') + 1)

async function togglWorld(h: Harness, zone: string): Promise<World> {
  const p = await mappedPerson(h, 'chaos', zone)
  const games = h.toggl.addProject(p.togglUser, { name: 'Games' })
  const other = h.toggl.addProject(p.togglUser, { name: 'Unmapped errands' })
  // The project list is cached: re-read it so the new projects can be mapped.
  await refreshProjects(h.deps, p.user)
  const u = p.togglUser
  return {
    user: p.user,
    existUser: p.existUser,
    mapping: new Map([
      [`toggl:${p.work.id}`, 'productive_min'],
      [`toggl:${p.side.id}`, 'productive_min'],
      [`toggl:${p.tv.id}`, 'tv_min'],
    ]),
    tracker: {
      projects: [p.work, p.side, p.tv, games, other].map((x) => `toggl:${x.id}`),
      live: () =>
        u.entries
          .filter((e) => e.serverDeletedAt === null)
          .map((e) => ({ id: String(e.id), start: e.start, stop: e.stop })),
      add: (project, start, stop) =>
        void h.toggl.addEntry(u, { projectId: Number(idOf(project)), start, stop }),
      edit: (id, { project, ...times }) =>
        h.toggl.editEntry(u, Number(id), {
          ...times,
          projectId: project === undefined ? undefined : Number(idOf(project)),
        }),
      remove: (id) => h.toggl.deleteEntry(u, Number(id)),
      truth: () => togglEntries(u),
      clearFaults: () => h.toggl.clearFaults(),
    },
  }
}

async function clockifyWorld(h: Harness, zone: string): Promise<World> {
  const u = h.clockify.addUser({ key: 'clockify-key-chaos-0001', name: 'Chaos' })
  const existUser = h.exist.addUser({
    token: 'exist-token-chaos-0001',
    username: 'chaos',
    timezone: zone,
  })
  const [work, side, tv, games, other] = [
    'Client work',
    'Side project',
    'Series',
    'Games',
    'Unmapped errands',
  ].map((name) => h.clockify.addProject(u, { name }))
  const mapping = new Map([
    [`clockify:${work!.id}`, 'productive_min'],
    [`clockify:${side!.id}`, 'productive_min'],
    [`clockify:${tv!.id}`, 'tv_min'],
  ])
  const { user } = await connectMapped(
    h,
    existUser.token,
    { clockifyKey: u.key },
    Object.fromEntries(mapping),
  )
  return {
    user,
    existUser,
    mapping,
    tracker: {
      projects: [work!, side!, tv!, games!, other!].map((x) => `clockify:${x.id}`),
      live: () => u.entries.map((e) => ({ id: e.id, start: e.start, stop: e.end })),
      add: (project, start, stop) =>
        void h.clockify.addEntry(u, { projectId: idOf(project), start, end: stop }),
      edit: (id, { project, start, stop }) =>
        h.clockify.editEntry(u, id, {
          start,
          end: stop,
          projectId: project === undefined ? undefined : idOf(project),
        }),
      remove: (id) => h.clockify.deleteEntry(u, id),
      truth: () => clockifyEntries(u),
      clearFaults: () => h.clockify.clearFaults(),
    },
  }
}

async function runSequence(source: 'toggl' | 'clockify', rand: Rand, runs: number) {
  const h = await createHarness({
    now: Date.UTC(2026, 10, 20, rand.int(0, 23), rand.int(0, 59)),
    net: true,
  })
  h.deps.http = { timeoutMs: TIMEOUT_MS, retries: 2, retryBaseMs: 1 }
  const stats = { runs: 0, faults: {} as Record<string, number> }
  const faults = { ...SOURCE_FAULTS[source], ...EXIST_FAULTS }
  try {
    const zone = rand.pick([
      'Europe/Berlin',
      'America/New_York',
      'Asia/Kolkata',
      'Pacific/Auckland',
    ])
    const world = await (source === 'toggl' ? togglWorld : clockifyWorld)(h, zone)
    const { tracker, mapping } = world
    let checkedRequests = 0

    const check = () => {
      expectExistMatches(h, world.existUser, zone, tracker.truth(), mapping)
      for (const r of h.exist.writes().slice(checkedRequests)) {
        for (const item of r.body as { value: unknown }[]) {
          const v = item.value as number
          expect(Number.isInteger(v), `${r.path} sent ${v}`).toBe(true)
          if (r.path.includes('increment')) expect(v, 'increment').toBeGreaterThan(0)
          else expect(v, 'update').toBeGreaterThanOrEqual(0)
        }
      }
      checkedRequests = h.exist.writes().length
    }

    for (let step = 0; stats.runs < runs; step++) {
      h.advance(rand.int(20, 150) * MINUTE)
      for (let n = rand.int(1, 3); n > 0; n--) await edit(h, rand, world)
      const trigger = rand.pick(['cli', 'schedule', 'web'] as const)

      if (rand.chance(0.6)) {
        const kinds = Object.keys(faults)
        for (let n = rand.int(1, 2); n > 0; n--) {
          const kind = rand.pick(kinds)
          faults[kind]!(h, rand)
          stats.faults[kind] = (stats.faults[kind] ?? 0) + 1
        }
        await syncUser(h.deps, world.user, trigger)
        stats.runs++
        // Whatever was queued and not used goes; a late write lands before anything else runs.
        tracker.clearFaults()
        h.exist.clearFaults()
        h.net[source].clear()
        h.net.exist.clear()
        await Promise.all([h.net[source].settled(), h.net.exist.settled()])
        // An API asked to wait: the next run comes after that.
        const { retryAfter } = await getUser(h.deps.db, world.user)
        if (retryAfter && retryAfter.getTime() > h.clock.now)
          h.advance(retryAfter.getTime() - h.clock.now + 1_000)
      }

      const report = await syncUser(h.deps, world.user, trigger)
      stats.runs++
      expect(report, `step ${step}`).toMatchObject({ status: 'ok', error: null })
      check()
    }
    return stats
  } finally {
    await h.close()
  }
}

/** One random change a person makes in their time tracker (or to the mapping). */
async function edit(h: Harness, rand: Rand, world: World) {
  const { tracker, mapping } = world
  const now = h.clock.now
  const minute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE
  const live = tracker.live()
  const running = live.find((e) => e.stop === null)
  const some = () => (live.length ? rand.pick(live) : undefined)
  const op = rand.pick(['create', 'create', 'edit', 'move', 'delete', 'remap', 'timer'] as const)
  switch (op) {
    case 'create': {
      const start = minute(now - rand.int(0, 15 * 24 * 60) * MINUTE)
      const stop = Math.min(now, start + rand.int(1, 300) * MINUTE)
      tracker.add(rand.pick(tracker.projects), start, stop)
      return
    }
    case 'edit': {
      const e = some()
      if (!e) return
      const stop = e.stop === null ? null : Math.min(now, e.start + rand.int(0, 400) * MINUTE)
      tracker.edit(e.id, {
        stop,
        project: rand.chance(0.3) ? rand.pick(tracker.projects) : undefined,
      })
      return
    }
    case 'move': {
      const e = some()
      if (!e || e.stop === null) return
      const shift = rand.pick([-3, -2, -1, 1]) * DAY + rand.int(-120, 120) * MINUTE
      const length = e.stop - e.start
      const start = Math.min(now - length, e.start + shift)
      tracker.edit(e.id, { start, stop: start + length })
      return
    }
    case 'delete': {
      const e = some()
      if (e) tracker.remove(e.id)
      return
    }
    case 'remap': {
      const project = rand.pick(tracker.projects)
      const attribute = rand.chance(0.2) ? null : rand.pick(ATTRIBUTES)
      await mapProject(h.deps, world.user, project, attribute)
      if (attribute) mapping.set(project, attribute)
      else mapping.delete(project)
      return
    }
    case 'timer': {
      if (running) tracker.edit(running.id, { stop: now })
      else tracker.add(rand.pick(tracker.projects), minute(now - rand.int(0, 600) * MINUTE), null)
      return
    }
  }
}
