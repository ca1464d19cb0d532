/** The benchmark's second process: loopback Toggl and Exist fakes with added latency, the synthetic users, and the truth to check against. */
import { DateTime } from 'luxon'
import {
  FakeExist,
  type FakeExistUser,
  FakeToggl,
  type FakeTogglUser,
  serveFake,
} from '../../tests/fakes/index.ts'
import { trueMinutes } from '../../tests/helpers/oracle.ts'

/** What the measured process needs to store one user as `connect` and `map` would have. */
export interface SeededUser {
  existToken: string
  username: string
  timezone: string
  togglToken: string
  togglId: number
  workspaceId: number
  projects: { id: number; name: string }[]
  mappings: { project: string; attribute: string; label: string }[]
}

export type FakesRequest =
  | { op: 'seed'; from: number; to: number }
  | { op: 'reset-counts' }
  | { op: 'counts' }
  | { op: 'change'; every: number }
  | { op: 'verify'; syncDays: number }
  | { op: 'tamper' }
  | { op: 'stop' }

export interface Mismatch {
  user: string
  attribute: string
  date: string
  exist: number
  truth: number
}

const MINUTE_MS = 60_000
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'UTC',
  'Australia/Sydney',
  'America/Los_Angeles',
]
/** Five projects, three attributes (two projects feed Productive time), one project left unmapped. */
const PROJECTS: { name: string; attribute: string | null; label: string }[] = [
  { name: 'Client work', attribute: 'productive_min', label: 'Productive time' },
  { name: 'Writing', attribute: 'productive_min', label: 'Productive time' },
  { name: 'Series', attribute: 'tv_min', label: 'Watching TV' },
  { name: 'Games', attribute: 'gaming_min', label: 'Time gaming' },
  { name: 'Errands', attribute: null, label: '' },
]

/** Small seeded PRNG (mulberry32): the same user index always gets the same week of work. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export function startFakes(latencyMs: number, now: number) {
  const toggl = new FakeToggl({ log: false })
  const exist = new FakeExist({ log: false })
  const counts = { toggl: 0, exist: 0 }
  const users: {
    toggl: FakeTogglUser
    exist: FakeExistUser
    projects: number[]
    mapping: Map<string, string>
  }[] = []
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const delayed =
    (
      fake: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> },
      api: 'toggl' | 'exist',
    ) =>
    async (req: Request, env?: unknown) => {
      counts[api]++
      if (latencyMs > 0) await sleep(latencyMs)
      return fake.fetch(req, env)
    }

  /** 15 days (the window and the day before it) of about 8 entries a day, all finished an hour before `now`. */
  function seedOne(i: number): SeededUser {
    const random = rng(i + 1)
    const timezone = ZONES[i % ZONES.length]!
    const name = `bench${i}`
    const togglUser = toggl.addUser({ token: `bench-toggl-token-${i}`, timezone, fullname: name })
    const existUser = exist.addUser({ token: `bench-exist-token-${i}`, username: name, timezone })
    const projects = PROJECTS.map((p) => toggl.addProject(togglUser, { name: p.name }).id)
    const mapping = new Map<string, string>()
    for (const [k, p] of PROJECTS.entries())
      if (p.attribute) mapping.set(`toggl:${projects[k]}`, p.attribute)
    for (const attribute of new Set(mapping.values()))
      exist.giveAttribute(existUser, attribute, { owner: exist.service })
    // Whole seconds, as Toggl stores them.
    const end = Math.floor(now / 1000) * 1000 - 3_600_000
    const today = DateTime.fromMillis(end, { zone: timezone }).startOf('day')
    for (let d = 14; d >= 0; d--) {
      // A day's entries from 07:00 local, one after another with gaps; the evening ones may cross midnight.
      let at =
        today.minus({ days: d }).set({ hour: 7 }).toMillis() + Math.floor(random() * 60) * MINUTE_MS
      for (let k = 0; k < 8; k++) {
        const length =
          (15 + Math.floor(random() * 110)) * MINUTE_MS + Math.floor(random() * 60) * 1000
        const start = at
        const stop = Math.min(start + length, end)
        if (stop <= start) break
        toggl.addEntry(togglUser, {
          projectId: projects[Math.floor(random() * projects.length)]!,
          start,
          stop,
        })
        at = stop + Math.floor(random() * 50) * MINUTE_MS
      }
    }
    users[i] = { toggl: togglUser, exist: existUser, projects, mapping }
    return {
      existToken: existUser.token,
      username: name,
      timezone,
      togglToken: togglUser.token,
      togglId: togglUser.id,
      workspaceId: togglUser.defaultWorkspaceId,
      projects: PROJECTS.map((p, k) => ({ id: projects[k]!, name: p.name })),
      mappings: PROJECTS.flatMap((p, k) =>
        p.attribute
          ? [{ project: `toggl:${projects[k]}`, attribute: p.attribute, label: p.label }]
          : [],
      ),
    }
  }

  /** Every `every`-th user edits their week: one entry longer, one deleted, one added yesterday. */
  function change(every: number): number {
    let changed = 0
    for (let i = 0; i < users.length; i += every) {
      const u = users[i]!
      const live = u.toggl.entries.filter((e) => e.serverDeletedAt === null)
      const longer = live[live.length - 3]
      const gone = live[live.length - 9]
      if (longer && longer.stop !== null)
        toggl.editEntry(u.toggl, longer.id, { stop: longer.stop + 17 * MINUTE_MS + 20_000 })
      if (gone) toggl.deleteEntry(u.toggl, gone.id)
      const yesterday = DateTime.fromMillis(Date.now(), { zone: u.toggl.timezone })
        .startOf('day')
        .minus({ days: 1 })
      const start = yesterday.set({ hour: 5, minute: 10 }).toMillis()
      toggl.addEntry(u.toggl, {
        projectId: u.projects[i % 4]!,
        start,
        stop: start + 47 * MINUTE_MS,
      })
      changed++
    }
    return changed
  }

  /** Each mapped attribute's Exist value on each day of each user's window against the oracle of the tests. */
  function verify(syncDays: number): {
    checked: number
    mismatches: Mismatch[]
    mismatched_users: number
  } {
    const mismatches: Mismatch[] = []
    const bad = new Set<string>()
    let checked = 0
    const at = Date.now()
    for (const u of users) {
      const zone = u.exist.timezone
      const today = DateTime.fromMillis(at, { zone }).startOf('day')
      const dates = Array.from(
        { length: syncDays },
        (_, k) => today.minus({ days: syncDays - 1 - k }).toISODate()!,
      )
      const entries = u.toggl.entries
        .filter((e) => e.serverDeletedAt === null && e.projectId !== null)
        .map((e) => ({ project: `toggl:${e.projectId}`, start: e.start, stop: e.stop }))
      const truth = trueMinutes(entries, u.mapping, zone, dates, at)
      for (const [attribute, perDay] of truth) {
        for (const [date, minutes] of perDay) {
          checked++
          const held = exist.value(u.exist, attribute, date)
          if (held !== minutes) {
            bad.add(u.exist.username)
            if (mismatches.length < 20)
              mismatches.push({
                user: u.exist.username,
                attribute,
                date,
                exist: held,
                truth: minutes,
              })
          }
        }
      }
    }
    return { checked, mismatches, mismatched_users: bad.size }
  }

  /** A manual edit in Exist behind Timebridge's back (the bench's self-check: verify must catch it). */
  function tamper(): void {
    const u = users[0]!
    const [attribute] = u.mapping.values()
    const date = DateTime.fromMillis(Date.now(), { zone: u.exist.timezone })
      .minus({ days: 2 })
      .toISODate()!
    exist.setValue(u.exist, attribute!, date, exist.value(u.exist, attribute!, date) + 5)
  }

  return {
    tamper,
    async serve() {
      const [t, e] = await Promise.all([
        serveFake(delayed(toggl, 'toggl')),
        serveFake(delayed(exist, 'exist')),
      ])
      return { toggl: t, exist: e }
    },
    seed: (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => seedOne(from + k)),
    counts: () => ({ ...counts }),
    resetCounts() {
      counts.toggl = 0
      counts.exist = 0
    },
    change,
    verify,
  }
}

// Run as the child process: serve, then answer the parent over IPC.
if (process.send && process.argv.includes('--bench-fakes')) {
  const latency = Number(process.argv[process.argv.indexOf('--latency-ms') + 1] ?? 0)
  const fakes = startFakes(latency, Date.now())
  const served = await fakes.serve()
  process.send({ ready: { toggl: served.toggl.url, exist: served.exist.url } })
  process.on('message', async (msg: { id: number; req: FakesRequest }) => {
    const { id, req } = msg
    let result: unknown
    switch (req.op) {
      case 'seed':
        result = fakes.seed(req.from, req.to)
        break
      case 'reset-counts':
        fakes.resetCounts()
        break
      case 'counts':
        result = fakes.counts()
        break
      case 'change':
        result = fakes.change(req.every)
        break
      case 'tamper':
        fakes.tamper()
        break
      case 'verify':
        result = fakes.verify(req.syncDays)
        break
      case 'stop':
        await Promise.all([served.toggl.close(), served.exist.close()])
        process.send!({ id, result: null }, () => process.exit(0))
        return
    }
    process.send!({ id, result })
  })
  process.on('disconnect', () => process.exit(0))
}
