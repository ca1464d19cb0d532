/** A connected, mapped person on the harness, plus checks that Exist holds the true minutes. */
import { expect } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { localWindow } from '../../src/core/local-window.ts'
import type { FakeClockifyUser, FakeExistUser, FakeTogglUser } from '../fakes/index.ts'
import { addPerson, type Harness } from './harness.ts'
import { type OracleEntry, trueMinutes } from './oracle.ts'

export async function mappedPerson(h: Harness, name = 'alice', zone = 'Europe/Berlin') {
  const p = addPerson(h, name, zone)
  const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
  const side = h.toggl.addProject(p.togglUser, { name: 'Side project' })
  const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
  const { user } = await connectUser(
    h.deps,
    { kind: 'personal', token: p.existToken },
    { togglToken: p.togglToken },
  )
  await mapProject(h.deps, user, `toggl:${work.id}`, 'productive_min')
  await mapProject(h.deps, user, `toggl:${side.id}`, 'productive_min')
  await mapProject(h.deps, user, `toggl:${tv.id}`, 'tv_min')
  return { ...p, user, work, side, tv, zone }
}

export type Person = Awaited<ReturnType<typeof mappedPerson>>

/** Asserts every mapped attribute on every window day equals the independently computed truth. */
export function expectExistMatchesToggl(h: Harness, p: Person, mapping?: Map<string, string>) {
  const attributeOf =
    mapping ??
    new Map([
      [`toggl:${p.work.id}`, 'productive_min'],
      [`toggl:${p.side.id}`, 'productive_min'],
      [`toggl:${p.tv.id}`, 'tv_min'],
    ])
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
  h: Harness,
  existUser: FakeExistUser,
  zone: string,
  entries: OracleEntry[],
  attributeOf: ReadonlyMap<string, string>,
) {
  const { dates } = localWindow(h.clock.now, zone, 14)
  const truth = trueMinutes(entries, attributeOf, zone, dates, h.clock.now)
  const actual = new Map(
    [...truth.keys()].map((a) => [
      a,
      new Map(dates.map((d) => [d, h.exist.value(existUser, a, d)])),
    ]),
  )
  expect(actual).toEqual(truth)
}
