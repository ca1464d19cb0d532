/** A realistic sample person for the fakes (demo, e2e, benchmark): two Toggl workspaces with clients, weeks of entries, an Exist account where RescueTime fills Productive time. */
import { DateTime } from 'luxon'
import type { FakeExist, FakeExistUser } from './fake-exist.ts'
import type { FakeToggl, FakeTogglProject, FakeTogglUser } from './fake-toggl.ts'

export interface SampleAccount {
  togglUser: FakeTogglUser
  existUser: FakeExistUser
  togglToken: string
  existToken: string
  /** Projects by a short key, for tests that map them. */
  projects: Record<SampleProjectKey, FakeTogglProject>
}

export type SampleProjectKey =
  | 'website'
  | 'app'
  | 'report'
  | 'meetings'
  | 'cms'
  | 'tv'
  | 'gaming'
  | 'garden'
  | 'admin'
  | 'films'

export interface SampleOptions {
  /** epoch ms the account is built around (entries end before it; one runs across it) */
  now: number
  username?: string
  timezone?: string
  /** days of history before today; default 20 (more than the 14-day window) */
  days?: number
  /** PRNG seed, so the same options give the same account */
  seed?: number
  /** suffix making tokens unique when many accounts share one fake (benchmark) */
  tokenSuffix?: string
}

export const RESCUETIME = { name: 'rescuetime', label: 'RescueTime' }

export function loadSampleAccount(
  toggl: FakeToggl,
  exist: FakeExist,
  opts: SampleOptions,
): SampleAccount {
  const zone = opts.timezone ?? 'Europe/Berlin'
  const username = opts.username ?? 'sam'
  const suffix = opts.tokenSuffix ?? ''
  const random = mulberry32(opts.seed ?? 20261120)
  const togglToken = `${'1f3e5a7c9b2d4f6e8a0c1b3d5f7e9a2c'.slice(0, 32 - suffix.length)}${suffix}`
  const existToken = `${'96524c5ca126d87eb18ee7eff408ca0e71e94737'.slice(0, 40 - suffix.length)}${suffix}`

  const togglUser = toggl.addUser({
    token: togglToken,
    timezone: zone,
    fullname: 'Sam Rivera',
    email: `${username}@example.com`,
  })
  const personal = togglUser.defaultWorkspaceId
  togglUser.workspaces.find((w) => w.id === personal)!.name = 'Personal'
  const studio = toggl.addWorkspace(togglUser, 'Acme Studio')
  const northwind = toggl.addClient(togglUser, studio, 'Northwind Traders')
  const globex = toggl.addClient(togglUser, studio, 'Globex')
  const project = (
    name: string,
    color: string,
    wid: number,
    clientId: number | null = null,
    active = true,
  ) => toggl.addProject(togglUser, { name, color, wid, clientId, active })
  const projects: Record<SampleProjectKey, FakeTogglProject> = {
    website: project('Website relaunch', '#0b83d9', studio, northwind),
    app: project('Mobile app', '#9e5bd9', studio, northwind),
    cms: project('Old CMS migration', '#c9806b', studio, northwind, false),
    report: project('Quarterly report', '#e36a00', studio, globex),
    meetings: project('Team meetings', '#566614', studio),
    tv: project('Series & TV', '#d94182', personal),
    gaming: project('Gaming', '#2da608', personal),
    garden: project('Garden planner (side project)', '#465bb3', personal),
    admin: project('Admin & email', '#06a893', personal),
    films: project('Films', '#a01aa5', personal),
  }

  const now = DateTime.fromMillis(opts.now, { zone })
  const today = now.startOf('day')
  const days = opts.days ?? 20
  const add = (key: SampleProjectKey, start: DateTime, minutes: number, description = '') => {
    const stop = start.plus({ minutes })
    if (start.toMillis() >= opts.now) return
    toggl.addEntry(togglUser, {
      projectId: projects[key].id,
      start: start.toMillis(),
      // The entry under way at `now` is left running, as Toggl shows a running timer.
      stop: stop.toMillis() > opts.now ? null : stop.toMillis(),
      description,
    })
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const jitter = (base: number, spread: number) => base + Math.round((random() - 0.5) * 2 * spread)

  for (let d = days; d >= 0; d--) {
    const day = today.minus({ days: d })
    const weekend = day.weekday >= 6
    if (!weekend) {
      // Mornings and afternoons on client work, with a stand-up most days.
      let t = day.set({ hour: 9, minute: jitter(5, 5) })
      if (random() < 0.8) {
        add('meetings', t, jitter(20, 5), 'Stand-up')
        t = t.plus({ minutes: 25 })
      }
      for (const block of [jitter(95, 25), jitter(70, 20)]) {
        add(pick(['website', 'website', 'app', 'report'] as const), t, block, 'Focused work')
        t = t.plus({ minutes: block + jitter(10, 5) })
      }
      t = day.set({ hour: 13, minute: jitter(35, 10) })
      for (const block of [jitter(110, 30), jitter(60, 20)]) {
        add(pick(['website', 'app', 'app', 'report'] as const), t, block, 'Focused work')
        t = t.plus({ minutes: block + jitter(10, 5) })
      }
      add('admin', t, jitter(25, 10), 'Email')
    } else {
      add('garden', day.set({ hour: 10, minute: jitter(30, 20) }), jitter(120, 40), 'Side project')
      if (random() < 0.6)
        add('films', day.set({ hour: 15, minute: jitter(0, 20) }), jitter(115, 15), 'Film')
    }
    if (random() < 0.7)
      add('tv', day.set({ hour: 20, minute: jitter(10, 10) }), jitter(65, 25), 'Episode')
    // Late gaming sessions cross midnight: their minutes belong to two local days.
    if (random() < 0.45)
      add('gaming', day.set({ hour: 22, minute: jitter(40, 20) }), jitter(95, 30), 'Gaming')
  }

  const existUser = exist.addUser({ token: existToken, username, timezone: zone })
  // RescueTime fills Productive time: taking it over needs the user's confirmation.
  exist.giveAttribute(existUser, 'productive_min', { owner: RESCUETIME, manual: false })
  exist.giveAttribute(existUser, 'distracting_min', { owner: RESCUETIME, manual: false })
  exist.giveAttribute(existUser, 'steps', {
    owner: { name: 'google_fit', label: 'Google Fit' },
    manual: false,
  })
  // An attribute the user made themselves: offered as "your duration attribute".
  exist.giveAttribute(existUser, 'time_reading', {
    owner: null,
    label: 'Time reading',
    group: 'media',
    value_type: 3,
  })
  for (let d = days; d >= 1; d--) {
    const date = today.minus({ days: d }).toISODate()!
    exist.setValue(existUser, 'productive_min', date, jitter(260, 60))
    exist.setValue(existUser, 'distracting_min', date, jitter(45, 20))
    exist.setValue(existUser, 'steps', date, jitter(7500, 2500))
  }

  return { togglUser, existUser, togglToken, existToken, projects }
}

/** Small seeded PRNG (public domain, Tommy Ettinger): deterministic sample data without a dependency. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
