/**
 * Scenario builders shared by the Node tests (harness.ts) and the workerd tests (worker-harness.ts):
 * people on the fakes, a connected and mapped person, and the check that Exist holds the true
 * minutes. Runs in both runtimes, so nothing here imports node: modules or a harness's runtime code.
 */
import { expect } from 'vitest'
import { connectUser, type SourceCredentials } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { localWindow } from '../../src/core/local-window.ts'
import type { Deps } from '../../src/deps.ts'
import type { FakeClockify, FakeClockifyUser } from '../fakes/fake-clockify.ts'
import type { FakeExist, FakeExistUser } from '../fakes/fake-exist.ts'
import type { FakeToggl, FakeTogglUser } from '../fakes/fake-toggl.ts'
import { type OracleEntry, trueMinutes } from './oracle.ts'

/** What both harnesses offer: the app's deps (with its clock) and the fakes. */
export interface Stack {
  deps: Deps
  toggl: FakeToggl
  exist: FakeExist
}

/** A Toggl + Exist account pair for one person. */
export function addPerson(h: Stack, name = 'alice', timezone = 'Europe/Berlin') {
  const togglUser: FakeTogglUser = h.toggl.addUser({
    token: `toggl-token-${name}-0001`,
    timezone,
    fullname: name,
  })
  const existUser: FakeExistUser = h.exist.addUser({
    token: `exist-token-${name}-0001`,
    username: name,
    timezone,
  })
  return { togglUser, existUser, togglToken: togglUser.token, existToken: existUser.token }
}

/** A Clockify + Exist account pair with two projects, Client work (client ACME) and Reading. */
export function clockifyPerson(
  h: Stack & { clockify: FakeClockify },
  name: string,
  region: 'global' | 'euc1' = 'global',
) {
  const cu = h.clockify.addUser({ key: `clockify-key-${name}-0001`, name, region })
  const eu = h.exist.addUser({
    token: `exist-token-${name}-0001`,
    username: name,
    timezone: 'Europe/Berlin',
  })
  const work = h.clockify.addProject(cu, { name: 'Client work', clientName: 'ACME' })
  const reading = h.clockify.addProject(cu, { name: 'Reading' })
  return { cu, eu, work, reading }
}

/**
 * A Clockify user in two workspaces, Own work → productive_min and Team work (workspace "Team") →
 * tv_min, connected and mapped, with an hour tracked on Team work; then `leave()` drops the Team
 * workspace (Clockify answers 403 for it) and tracks 20 minutes on Own work; `rejoin()` gives it back.
 */
export async function clockifyTeamMember(h: Stack & { clockify: FakeClockify }) {
  const cu = h.clockify.addUser({ key: 'clockify-key-team-0001', name: 'team' })
  const eu = h.exist.addUser({
    token: 'exist-token-team-0001',
    username: 'team',
    timezone: 'Europe/Berlin',
  })
  const teamWs = h.clockify.addWorkspace(cu, 'Team')
  const own = h.clockify.addProject(cu, { name: 'Own work' })
  const team = h.clockify.addProject(cu, { name: 'Team work', workspaceId: teamWs })
  const { user, mapping } = await connectMapped(
    h,
    eu.token,
    { clockifyKey: cu.key },
    { [`clockify:${own.id}`]: 'productive_min', [`clockify:${team.id}`]: 'tv_min' },
  )
  h.clockify.addEntry(cu, {
    projectId: team.id,
    start: '2026-11-19T08:00:00Z',
    end: '2026-11-19T09:00:00Z',
  })
  let left: (typeof cu.workspaces)[number] | undefined
  const leave = () => {
    left = cu.workspaces.find((w) => w.id === teamWs)!
    cu.workspaces = cu.workspaces.filter((w) => w !== left)
    h.clockify.addEntry(cu, {
      projectId: own.id,
      start: '2026-11-19T10:00:00Z',
      end: '2026-11-19T10:20:00Z',
    })
  }
  const rejoin = () => cu.workspaces.push(left!)
  return { cu, eu, own, team, user, mapping, leave, rejoin }
}

/** Connects through the use-case (every token checked), then maps each project in the order given. */
export async function connectMapped(
  h: Stack,
  existToken: string,
  sources: SourceCredentials,
  maps: Record<string, string>,
) {
  const { user } = await connectUser(h.deps, { kind: 'personal', token: existToken }, sources)
  for (const [project, attribute] of Object.entries(maps)) {
    await mapProject(h.deps, user, project, attribute)
  }
  return { user, mapping: new Map(Object.entries(maps)) }
}

/** Work and Side project → productive_min, Series → tv_min; connected and mapped through the use-cases. */
export async function mappedPerson(h: Stack, name = 'alice', zone = 'Europe/Berlin') {
  const p = addPerson(h, name, zone)
  const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
  const side = h.toggl.addProject(p.togglUser, { name: 'Side project' })
  const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
  const { user } = await connectMapped(
    h,
    p.existToken,
    { togglToken: p.togglToken },
    {
      [`toggl:${work.id}`]: 'productive_min',
      [`toggl:${side.id}`]: 'productive_min',
      [`toggl:${tv.id}`]: 'tv_min',
    },
  )
  return { ...p, user, work, side, tv, zone }
}

/** mappedPerson with Toggl entries already tracked: [project, start, stop] (UTC instants). */
export async function mappedPersonWith(
  h: Stack,
  entries: ['work' | 'side' | 'tv', string, string][],
  name = 'alice',
  zone = 'Europe/Berlin',
) {
  const p = await mappedPerson(h, name, zone)
  for (const [project, start, stop] of entries) {
    h.toggl.addEntry(p.togglUser, { projectId: p[project].id, start, stop })
  }
  return p
}

/** Every item Exist was sent, as [endpoint, attribute, value]. */
export function sentToExist(h: Stack): [string, string, number][] {
  return h.exist
    .writes()
    .flatMap((r) =>
      (r.body as { name: string; value: number }[]).map((i): [string, string, number] => [
        r.path,
        i.name,
        i.value,
      ]),
    )
}

export type Person = Awaited<ReturnType<typeof mappedPerson>>

/** The mapping mappedPerson sets up, as project key → attribute. */
export const mappingOf = (p: Person) =>
  new Map([
    [`toggl:${p.work.id}`, 'productive_min'],
    [`toggl:${p.side.id}`, 'productive_min'],
    [`toggl:${p.tv.id}`, 'tv_min'],
  ])

/** Asserts every mapped attribute on every window day equals the independently computed truth. */
export function expectExistMatchesToggl(h: Stack, p: Person, mapping?: Map<string, string>) {
  const attributeOf = mapping ?? mappingOf(p)
  expectExistMatches(h, p.existUser, p.zone, togglEntries(p.togglUser), attributeOf)
}

export const togglEntries = (u: FakeTogglUser): OracleEntry[] =>
  u.entries
    .filter((e) => e.serverDeletedAt === null && e.projectId !== null)
    .map((e) => ({ project: `toggl:${e.projectId}`, start: e.start, stop: e.stop }))

export const clockifyEntries = (u: FakeClockifyUser): OracleEntry[] =>
  u.entries
    .filter((e) => e.projectId !== null)
    .map((e) => ({ project: `clockify:${e.projectId}`, start: e.start, stop: e.end }))

/** Every attribute of `attributeOf`, every window day: Exist equals the truth computed from the entries. */
export function expectExistMatches(
  h: Stack,
  existUser: FakeExistUser,
  zone: string,
  entries: OracleEntry[],
  attributeOf: ReadonlyMap<string, string>,
) {
  expectExistMatchesAt(h.exist, h.deps.now(), existUser, zone, entries, attributeOf)
}

/** expectExistMatches for a fake Exist served to another process, with the window ending at `now`. */
export function expectExistMatchesAt(
  exist: FakeExist,
  now: number,
  existUser: FakeExistUser,
  zone: string,
  entries: OracleEntry[],
  attributeOf: ReadonlyMap<string, string>,
) {
  const { dates } = localWindow(now, zone, 14)
  const truth = trueMinutes(entries, attributeOf, zone, dates, now)
  const actual = new Map(
    [...truth.keys()].map((a) => [a, new Map(dates.map((d) => [d, exist.value(existUser, a, d)]))]),
  )
  expect(actual).toEqual(truth)
}
