/** Clockify as a source over loopback: convergence, pagination, regions, quotas, revoked keys, and Toggl + Clockify into one attribute. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { listProjects } from '../../src/accounts/project-list.ts'
import { statusOf } from '../../src/accounts/user-status.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { zeroOut } from '../../src/sync/zero-out.ts'
import { createHarness, DAY, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import {
  clockifyEntries,
  clockifyPerson,
  connectMapped,
  expectExistMatches,
  togglEntries,
} from '../helpers/scenario.ts'

describe('Clockify as a time source', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('a Clockify-only user converges through edits, moves, deletes, remaps and Zero Out', async () => {
    const { cu, eu, work, reading } = clockifyPerson(h, 'cleo')
    const { user, mapping } = await connectMapped(
      h,
      eu.token,
      { clockifyKey: cu.key },
      { [`clockify:${work.id}`]: 'productive_min', [`clockify:${reading.id}`]: 'tv_min' },
    )
    const check = () => expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)

    const a = h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      end: '2026-11-19T09:30:00Z',
    })
    const b = h.clockify.addEntry(cu, {
      projectId: reading.id,
      start: '2026-11-18T22:30:00Z',
      end: '2026-11-19T00:10:00Z',
    })
    h.clockify.addEntry(cu, { projectId: work.id, start: '2026-11-20T11:00:00Z', end: null }) // running
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T10:00:00Z',
      end: '2026-11-19T10:15:00Z',
      type: 'BREAK',
    })
    h.clockify.addEntry(cu, {
      projectId: null,
      start: '2026-11-17T07:00:00Z',
      end: '2026-11-17T15:00:00Z',
      type: 'TIME_OFF',
    })
    expect((await syncUser(h.deps, user, 'cli')).status).toBe('ok')
    check()
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(105) // 90 + the BREAK on a mapped project
    expect(h.exist.value(eu, 'productive_min', '2026-11-20')).toBe(60) // running timer

    // steady state: one Clockify request (one workspace with mapped projects), nothing to Exist
    h.clockify.resetLog()
    h.exist.resetLog()
    await syncUser(h.deps, user, 'cli')
    expect(h.clockify.requests.map((r) => r.path)).toEqual([
      `/api/v1/workspaces/${cu.workspaces[0]!.id}/user/${cu.id}/time-entries`,
    ])
    expect(h.exist.requests).toEqual([])

    h.advance(HOUR)
    h.clockify.editEntry(cu, a.id, { end: '2026-11-19T08:20:00Z' })
    h.clockify.editEntry(cu, b.id, { start: '2026-11-16T19:00:00Z', end: '2026-11-16T20:00:00Z' })
    h.clockify.deleteEntry(
      cu,
      h.clockify.addEntry(cu, {
        projectId: reading.id,
        start: '2026-11-15T10:00:00Z',
        end: '2026-11-15T11:00:00Z',
      }).id,
    )
    await syncUser(h.deps, user, 'cli')
    check()

    await mapProject(h.deps, user, `clockify:${reading.id}`, 'productive_min')
    mapping.set(`clockify:${reading.id}`, 'productive_min')
    await syncUser(h.deps, user, 'cli')
    expectExistMatches(
      h,
      eu,
      'Europe/Berlin',
      clockifyEntries(cu),
      new Map([...mapping].filter(([, v]) => v === 'productive_min')),
    )

    h.exist.setValue(eu, 'productive_min', '2026-11-12', 77)
    expect((await zeroOut(h.deps, user, 'cli')).status).toBe('ok')
    expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)
  })

  it('pages through projects and entries, and a steady run makes one request per workspace with mapped projects', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'pia')
    const other = h.clockify.addWorkspace(cu, 'Side workspace')
    for (let i = 0; i < 520; i++)
      h.clockify.addProject(cu, {
        name: `Project ${String(i).padStart(3, '0')}`,
        workspaceId: other,
      })
    for (let i = 0; i < 1200; i++) {
      const start = h.clock.now - 12 * DAY + i * 10 * MINUTE
      h.clockify.addEntry(cu, { projectId: work.id, start, end: start + 5 * MINUTE })
    }
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      { clockifyKey: cu.key },
    )
    expect((await listProjects(h.deps, user)).length).toBe(522)
    await mapProject(h.deps, user, `clockify:${work.id}`, 'productive_min')
    const first = await syncUser(h.deps, user, 'cli')
    expect(first.summary.read.clockify).toBe(1200)
    expect(first.summary.requests.clockify).toBe(2) // two pages of 1000
    expectExistMatches(
      h,
      eu,
      'Europe/Berlin',
      clockifyEntries(cu),
      new Map([[`clockify:${work.id}`, 'productive_min']]),
    )

    h.clockify.resetLog()
    h.exist.resetLog()
    // only the workspace holding mapped projects is read (two pages here, since the first is full)
    await syncUser(h.deps, user, 'cli')
    expect(
      h.clockify.requests.every((r) => r.path.includes(`/workspaces/${cu.workspaces[0]!.id}/`)),
    ).toBe(true)
    expect(h.exist.requests).toEqual([])
  })

  it('uses the key on its own region, and refuses the wrong region before storing anything', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'ulla', 'euc1')
    await expect(
      connectUser(h.deps, { kind: 'personal', token: eu.token }, { clockifyKey: cu.key }),
    ).rejects.toThrow(/Clockify refused this token: copy it again/)
    expect((await statusOf(h.deps)).users).toEqual([])
    await expect(
      connectUser(
        h.deps,
        { kind: 'personal', token: eu.token },
        { clockifyKey: cu.key, clockifyRegion: 'mars' },
      ),
    ).rejects.toThrow(/Clockify region "mars" must be one of global, eu, us, uk, au/)
    h.clockify.resetLog()
    const { user } = await connectMapped(
      h,
      eu.token,
      { clockifyKey: cu.key, clockifyRegion: 'eu' },
      { [`clockify:${work.id}`]: 'productive_min' },
    )
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      end: '2026-11-19T08:45:00Z',
    })
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(45)
    expect(new Set(h.clockify.requests.map((r) => r.host))).toEqual(new Set(['euc1.clockify.me']))
  })

  it('a 429 ends the run quietly; a revoked key pauses Clockify and says why', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'rex')
    const { user } = await connectMapped(
      h,
      eu.token,
      { clockifyKey: cu.key },
      { [`clockify:${work.id}`]: 'productive_min' },
    )
    h.clockify.failNext(1, 429)
    h.exist.resetLog()
    const limited = await syncUser(h.deps, user, 'cli')
    expect(limited.status).toBe('deferred')
    expect(h.exist.writes()).toEqual([])

    h.clockify.revoke(cu)
    const revoked = await syncUser(h.deps, user, 'cli')
    expect(revoked.summary.notes.join()).toMatch(/Clockify was paused/)
    const status = (await statusOf(h.deps, user)).users[0]!
    expect(status.sources.find((s) => s.source === 'clockify')).toMatchObject({
      connected: false,
      paused: true,
      reason: expect.stringMatching(/HTTP 401/),
    })
    expect(status.mappings).toEqual([
      { project: `clockify:${work.id}`, attribute: 'productive_min' },
    ])
  })

  it('never asks for hydrated entries, and reads the hydrated shape (project object, no projectId) too', async () => {
    const { cu, eu, work, reading } = clockifyPerson(h, 'hyde')
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      { clockifyKey: cu.key },
    )
    await mapProject(h.deps, user, `clockify:${work.id}`, 'productive_min')
    await mapProject(h.deps, user, `clockify:${reading.id}`, 'tv_min')
    const mapping = new Map([
      [`clockify:${work.id}`, 'productive_min'],
      [`clockify:${reading.id}`, 'tv_min'],
    ])
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      end: '2026-11-19T09:30:00Z',
    })
    h.clockify.addEntry(cu, {
      projectId: null,
      start: '2026-11-19T10:00:00Z',
      end: '2026-11-19T11:00:00Z',
    })
    h.clockify.resetLog()
    await syncUser(h.deps, user, 'cli')
    const entryReads = h.clockify.requests.filter((r) => r.path.endsWith('/time-entries'))
    expect(entryReads.length).toBeGreaterThan(0)
    expect(entryReads.every((r) => r.query.hydrated === undefined)).toBe(true)
    expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)

    // An answer in the documented hydrated shape (as a proxy or a future default might give).
    h.clockify.alwaysHydrated = true
    h.clockify.addEntry(cu, {
      projectId: reading.id,
      start: '2026-11-18T20:00:00Z',
      end: '2026-11-18T20:45:00Z',
    })
    h.advance(HOUR)
    const report = await syncUser(h.deps, user, 'cli')
    expect(report.summary.read.clockify).toBe(2) // the entry without a project is not counted
    expect(h.exist.value(eu, 'tv_min', '2026-11-18')).toBe(45)
    expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)
  })

  it('Toggl and Clockify projects feed one attribute together', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'tess')
    const tu = h.toggl.addUser({ token: 'toggl-token-tess-0001', timezone: 'Europe/Berlin' })
    const tproject = h.toggl.addProject(tu, { name: 'Deep work' })
    const { user } = await connectMapped(
      h,
      eu.token,
      { clockifyKey: cu.key, togglToken: tu.token },
      { [`clockify:${work.id}`]: 'productive_min', [`toggl:${tproject.id}`]: 'productive_min' },
    )
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      end: '2026-11-19T08:00:40Z',
    })
    h.toggl.addEntry(tu, {
      projectId: tproject.id,
      start: '2026-11-19T09:00:00Z',
      stop: '2026-11-19T09:00:40Z',
    })
    await syncUser(h.deps, user, 'cli')
    // 40 s + 40 s rounds to 1 minute once per day, across sources
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(1)
    h.toggl.addEntry(tu, {
      projectId: tproject.id,
      start: '2026-11-18T09:00:00Z',
      stop: '2026-11-18T10:00:00Z',
    })
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-18T10:00:00Z',
      end: '2026-11-18T10:30:00Z',
    })
    await syncUser(h.deps, user, 'cli')
    const mapping = new Map([
      [`clockify:${work.id}`, 'productive_min'],
      [`toggl:${tproject.id}`, 'productive_min'],
    ])
    expectExistMatches(
      h,
      eu,
      'Europe/Berlin',
      [...clockifyEntries(cu), ...togglEntries(tu)],
      mapping,
    )
  })
})
