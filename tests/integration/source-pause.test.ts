/** A source that refuses its token is paused, not wiped: setup kept, attributes held, same account resumes, 30 days then disconnect; a Clockify 403 skips one workspace. */
import { sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { listProjects, refreshProjects } from '../../src/accounts/project-list.ts'
import { statusOf } from '../../src/accounts/user-status.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { zeroOut } from '../../src/sync/zero-out.ts'
import { createHarness, DAY, type Harness, HOUR } from '../helpers/harness.ts'
import {
  clockifyEntries,
  clockifyTeamMember,
  expectExistMatches,
  expectExistMatchesToggl,
  mappedPersonWith,
  type Person,
  togglEntries,
} from '../helpers/scenario.ts'

describe('a source that refuses its token is paused', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPersonWith(h, [
      ['work', '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z'],
      ['tv', '2026-11-18T19:00:00Z', '2026-11-18T20:30:00Z'],
    ])
    await syncUser(h.deps, p.user, 'cli')
    expectExistMatchesToggl(h, p)
  })
  afterEach(() => h.close())

  const rows = (table: string) =>
    h.deps.db.all<Record<string, unknown>>(
      sql.raw(`select * from ${table} where user_id = ${p.user} order by 1, 2, 3`),
    )
  const existValues = () => JSON.stringify([...p.existUser.values].map(([a, d]) => [a, [...d]]))
  const toggl = async () =>
    (await statusOf(h.deps, p.user)).users[0]!.sources.find((s) => s.source === 'toggl')!

  /** A new API token for the same Toggl account (the user reset it). */
  function resetTogglToken(): string {
    h.toggl.resetToken(p.togglUser, 'toggl-token-alice-0002')
    return p.togglUser.token
  }

  it('keeps mappings, projects, ledger and Exist as they are, and sends no more requests with the token', async () => {
    const before = {
      mappings: await rows('mappings'),
      projects: await rows('projects'),
      ledger: await rows('user_data'),
      attributes: await rows('attributes'),
    }
    const exist = existValues()
    h.toggl.revoke(p.togglUser)
    // Time tracked meanwhile: it must not reach Exist through a recomputation without Toggl.
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-20T08:00:00Z',
      stop: '2026-11-20T09:00:00Z',
    })
    h.advance(HOUR)
    h.exist.resetLog()

    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report.status).toBe('ok')
    expect(report.summary.notes.join()).toMatch(
      /Toggl Track was paused: Toggl Track refused the saved token \(HTTP 403\)/,
    )
    expect(report.summary.held).toEqual(['productive_min', 'tv_min'])
    expect(await toggl()).toEqual({
      source: 'toggl',
      connected: false,
      paused: true,
      reason: expect.stringMatching(/HTTP 403/),
      paused_since: '2026-11-20T13:00:00.000Z',
      disconnects_at: '2026-12-20T13:00:00.000Z',
    })
    const status = (await statusOf(h.deps, p.user)).users[0]!
    expect(status.held.map((x) => x.attribute)).toEqual(['productive_min', 'tv_min'])
    expect(await rows('mappings')).toEqual(before.mappings)
    expect(await rows('projects')).toEqual(before.projects)
    expect(await rows('user_data')).toEqual(before.ledger)
    expect(await rows('attributes')).toEqual(before.attributes)
    // Exist: nothing written, nothing released.
    expect(h.exist.writes()).toEqual([])
    expect(h.exist.requests.filter((r) => r.path.includes('/release/'))).toEqual([])
    expect(existValues()).toBe(exist)
    expect(p.existUser.attributes.get('productive_min')!.service?.name).toBe('timebridge')

    // The next runs send nothing to Toggl (the refused token is gone) and nothing to Exist.
    h.toggl.resetLog()
    h.advance(HOUR)
    expect((await syncUser(h.deps, p.user, 'schedule')).status).toBe('ok')
    expect(h.toggl.requests).toEqual([])
    expect(h.exist.writes()).toEqual([])
    // The pause keeps its first date: the deadline never moves.
    expect((await toggl()).disconnects_at).toBe('2026-12-20T13:00:00.000Z')
  })

  it('a token that cannot be read (SECRET_KEY changed) pauses the source the same way, and connecting again resumes', async () => {
    const mappings = await rows('mappings')
    // Sealed under another key: the box refuses to open it.
    h.deps.db.run(
      sql.raw(
        `update source_connections set credential = 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' where user_id = ${p.user}`,
      ),
    )
    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    const report = await syncUser(h.deps, p.user, 'schedule')
    expect(report.status).toBe('ok')
    expect(report.summary.notes.join()).toMatch(
      /Toggl Track was paused: The saved Toggl Track token can't be read: SECRET_KEY changed/,
    )
    expect(report.summary.held).toEqual(['productive_min', 'tv_min'])
    expect(await toggl()).toMatchObject({ connected: false, paused: true })
    expect(await rows('mappings')).toEqual(mappings)
    expect(h.toggl.requests).toEqual([])
    expect(h.exist.writes()).toEqual([])

    await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: p.togglToken },
    )
    h.advance(HOUR)
    expect((await syncUser(h.deps, p.user, 'schedule')).status).toBe('ok')
    expect(await toggl()).toMatchObject({ connected: true, paused: false })
    expectExistMatchesToggl(h, p)
  })

  it('"Refresh projects" that meets a token it cannot read pauses the source too', async () => {
    const projects = await rows('projects')
    h.deps.db.run(
      sql.raw(
        `update source_connections set credential = 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' where user_id = ${p.user}`,
      ),
    )
    await expect(refreshProjects(h.deps, p.user)).rejects.toThrow(
      /The saved Toggl Track token can't be read: SECRET_KEY changed/,
    )
    expect(await toggl()).toMatchObject({
      connected: false,
      paused: true,
      reason: expect.stringMatching(/can't be read/),
    })
    expect(await rows('projects')).toEqual(projects)
  })

  it('"Refresh projects" that meets a refused token pauses the source too, keeping the project list', async () => {
    const projects = await rows('projects')
    h.toggl.revoke(p.togglUser)
    await expect(refreshProjects(h.deps, p.user)).rejects.toThrow(
      /refused the credential \(HTTP 403\)/,
    )
    expect(await toggl()).toMatchObject({ connected: false, paused: true })
    expect(await rows('projects')).toEqual(projects)
    expect((await rows('mappings')).length).toBe(3)
  })

  it('connecting the same account again resumes with every mapping and converges on the next run', async () => {
    h.toggl.revoke(p.togglUser)
    h.advance(HOUR)
    await syncUser(h.deps, p.user, 'cli')
    // Edits while paused: a new entry, a deleted one, a moved one.
    h.toggl.addEntry(p.togglUser, {
      projectId: p.side.id,
      start: '2026-11-20T07:00:00Z',
      stop: '2026-11-20T07:45:00Z',
    })
    const tv = p.togglUser.entries.find((e) => e.projectId === p.tv.id)!
    h.toggl.editEntry(p.togglUser, tv.id, {
      start: '2026-11-17T19:00:00Z',
      stop: '2026-11-17T19:20:00Z',
    })
    h.advance(3 * DAY)

    const again = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: resetTogglToken() },
    )
    expect(again.sources).toEqual([
      expect.objectContaining({
        source: 'toggl',
        resumed: true,
        other_account: false,
        unmapped: [],
      }),
    ])
    expect(await toggl()).toMatchObject({
      connected: true,
      paused: false,
      reason: null,
      disconnects_at: null,
    })
    expect((await statusOf(h.deps, p.user)).users[0]!.mappings).toHaveLength(3)
    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report.status).toBe('ok')
    expect(report.summary.held).toBeUndefined()
    expectExistMatchesToggl(h, p)
  })

  it('another account keeps only mappings of projects it can see; the rest are unmapped and released', async () => {
    h.toggl.revoke(p.togglUser)
    await syncUser(h.deps, p.user, 'cli')
    const other = h.toggl.addUser({ token: 'toggl-token-other-0001', timezone: 'Europe/Berlin' })
    h.toggl.addProject(other, { name: 'Elsewhere' })
    const result = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: other.token },
    )
    expect(result.sources[0]).toMatchObject({
      resumed: false,
      other_account: true,
      released: ['productive_min', 'tv_min'],
    })
    expect(result.sources[0]!.unmapped).toHaveLength(3)
    const status = (await statusOf(h.deps, p.user)).users[0]!
    expect(status.mappings).toEqual([])
    expect(status.held).toEqual([])
    expect(await rows('user_data')).toEqual([])
    // Released, and Exist keeps what it holds.
    expect(p.existUser.attributes.get('productive_min')!.service).toBeNull()
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60)
  })

  it('a source paused for 30 days is disconnected then, and the status says the date from the first day', async () => {
    h.toggl.revoke(p.togglUser)
    await syncUser(h.deps, p.user, 'cli')
    expect((await toggl()).disconnects_at).toBe('2026-12-20T12:00:00.000Z')
    const exist = existValues()

    h.advance(30 * DAY - HOUR)
    await syncUser(h.deps, p.user, 'schedule')
    expect(await toggl()).toMatchObject({ paused: true })
    expect((await rows('mappings')).length).toBe(3)
    expect(existValues()).toBe(exist)

    h.advance(HOUR)
    const report = await syncUser(h.deps, p.user, 'schedule')
    expect(report.summary.notes.join()).toMatch(/was paused for 30 days .* so it was disconnected/)
    expect(await toggl()).toMatchObject({
      connected: false,
      paused: false,
      reason: expect.stringMatching(/paused for 30 days/),
    })
    for (const t of ['mappings', 'projects', 'attributes', 'user_data'])
      expect(await rows(t)).toEqual([])
    expect(p.existUser.attributes.get('productive_min')!.service).toBeNull()
    expect(p.existUser.attributes.get('tv_min')!.service).toBeNull()
    expect(existValues()).toBe(exist)
  })
})

describe('paused sources and shared attributes', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('an attribute fed by a paused source and a healthy one is not written at all; Zero Out leaves it too', async () => {
    const tu = h.toggl.addUser({ token: 'toggl-token-mix-0001', timezone: 'Europe/Berlin' })
    const cu = h.clockify.addUser({ key: 'clockify-key-mix-0001', name: 'mix' })
    const eu = h.exist.addUser({
      token: 'exist-token-mix-0001',
      username: 'mix',
      timezone: 'Europe/Berlin',
    })
    const tWork = h.toggl.addProject(tu, { name: 'Deep work' })
    const cWork = h.clockify.addProject(cu, { name: 'Client work' })
    const cRead = h.clockify.addProject(cu, { name: 'Reading' })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      { togglToken: tu.token, clockifyKey: cu.key },
    )
    await mapProject(h.deps, user, `toggl:${tWork.id}`, 'productive_min')
    await mapProject(h.deps, user, `clockify:${cWork.id}`, 'productive_min')
    await mapProject(h.deps, user, `clockify:${cRead.id}`, 'tv_min')
    h.toggl.addEntry(tu, {
      projectId: tWork.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    h.clockify.addEntry(cu, {
      projectId: cWork.id,
      start: '2026-11-19T10:00:00Z',
      end: '2026-11-19T10:30:00Z',
    })
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(90)

    h.toggl.revoke(tu)
    h.clockify.addEntry(cu, {
      projectId: cWork.id,
      start: '2026-11-19T11:00:00Z',
      end: '2026-11-19T11:10:00Z',
    })
    h.clockify.addEntry(cu, {
      projectId: cRead.id,
      start: '2026-11-18T20:00:00Z',
      end: '2026-11-18T21:00:00Z',
    })
    h.advance(HOUR)
    const report = await syncUser(h.deps, user, 'cli')
    expect(report.summary.held).toEqual(['productive_min'])
    // Not 40 (Clockify alone) nor 100: what Exist held stays.
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(90)
    // tv_min is fed by Clockify only: it keeps syncing.
    expectExistMatches(
      h,
      eu,
      'Europe/Berlin',
      clockifyEntries(cu),
      new Map([[`clockify:${cRead.id}`, 'tv_min']]),
    )

    h.exist.setValue(eu, 'tv_min', '2026-11-10', 33)
    const zero = await zeroOut(h.deps, user, 'cli')
    expect(zero.summary.notes.join()).toMatch(
      /Zero Out left productive_min as it is: Toggl Track is paused/,
    )
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(90)
    expect(h.exist.value(eu, 'tv_min', '2026-11-10')).toBe(0)

    // Back with the same account: both sources feed productive_min again, and it converges.
    h.toggl.resetToken(tu, 'toggl-token-mix-0002')
    await connectUser(h.deps, { kind: 'personal', token: eu.token }, { togglToken: tu.token })
    await syncUser(h.deps, user, 'cli')
    const entries = [...togglEntries(tu), ...clockifyEntries(cu)]
    expectExistMatches(
      h,
      eu,
      'Europe/Berlin',
      entries,
      new Map([
        [`toggl:${tWork.id}`, 'productive_min'],
        [`clockify:${cWork.id}`, 'productive_min'],
        [`clockify:${cRead.id}`, 'tv_min'],
      ]),
    )
  })
})

describe('a Clockify workspace that refuses access', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('is skipped alone: its projects are marked inaccessible, their attribute held; the other workspace syncs', async () => {
    const { cu, eu, team, user, mapping, leave, rejoin } = await clockifyTeamMember(h)
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(eu, 'tv_min', '2026-11-19')).toBe(60)

    // The user leaves the team workspace: Clockify answers 403 for it.
    leave()
    h.advance(HOUR)
    const report = await syncUser(h.deps, user, 'cli')
    expect(report.status).toBe('ok')
    expect(report.summary.notes.join()).toMatch(
      /Clockify refused access to workspace "Team" \(HTTP 403\)/,
    )
    expect(report.summary.held).toEqual(['tv_min'])
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(20)
    expect(h.exist.value(eu, 'tv_min', '2026-11-19')).toBe(60)
    const status = (await statusOf(h.deps, user)).users[0]!
    expect(status.sources.find((s) => s.source === 'clockify')).toMatchObject({
      connected: true,
      paused: false,
    })
    expect(status.held).toEqual([
      { attribute: 'tv_min', because: ['Clockify workspace "Team" refused access'] },
    ])
    const inaccessible = async () =>
      (await listProjects(h.deps, user)).filter((x) => x.inaccessible).map((x) => x.name)
    expect(await inaccessible()).toEqual(['Team work'])

    // The daily project refresh no longer lists the workspace: the mapped project stays, inaccessible.
    h.advance(DAY)
    await syncUser(h.deps, user, 'schedule')
    expect(await inaccessible()).toEqual(['Team work'])
    expect(h.exist.value(eu, 'tv_min', '2026-11-19')).toBe(60)

    // Access comes back: the workspace is read again and tv_min converges.
    rejoin()
    h.clockify.addEntry(cu, {
      projectId: team.id,
      start: '2026-11-20T08:00:00Z',
      end: '2026-11-20T08:30:00Z',
    })
    h.advance(HOUR)
    const back = await syncUser(h.deps, user, 'schedule')
    expect(back.summary.held).toBeUndefined()
    expect(await inaccessible()).toEqual([])
    expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)
  })
})
