/** On workerd with D1: a refused source token pauses the source through the queue consumer; the same account resumes; a Clockify 403 skips one workspace. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { listProjects } from '../../src/accounts/project-list.ts'
import { statusOf } from '../../src/accounts/user-status.ts'
import {
  addPerson,
  clockifyEntries,
  clockifyTeamMember,
  expectExistMatches,
  togglEntries,
} from '../helpers/scenario.ts'
import { createWorkerHarness, DAY, HOUR, type WorkerHarness } from './worker-harness.ts'

describe('paused sources on D1', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  async function sync(user: number) {
    const result = await h.deliver([user])
    expect(result.retryMessages).toEqual([])
  }
  const count = async (table: string, user: number) =>
    (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`)
      .bind(user)
      .first<{ n: number }>())!.n

  it('a refused Toggl token pauses Toggl with its setup kept; the same account resumes and converges', async () => {
    const p = addPerson(h)
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: p.togglToken },
    )
    await mapProject(h.deps, user, `toggl:${work.id}`, 'productive_min')
    await mapProject(h.deps, user, `toggl:${tv.id}`, 'tv_min')
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    await sync(user)
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60)
    const ledger = await count('user_data', user)

    h.toggl.revoke(p.togglUser)
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T10:00:00Z',
      stop: '2026-11-19T10:30:00Z',
    })
    h.advance(HOUR)
    h.exist.resetLog()
    await sync(user)
    const status = (await statusOf(h.deps, user)).users[0]!
    expect(status.sources.find((s) => s.source === 'toggl')).toMatchObject({
      connected: false,
      paused: true,
      paused_since: '2026-11-20T13:00:00.000Z',
      disconnects_at: '2026-12-20T13:00:00.000Z',
    })
    expect(status.mappings).toHaveLength(2)
    expect(await count('projects', user)).toBe(2)
    expect(await count('user_data', user)).toBe(ledger)
    expect(h.exist.writes()).toEqual([])
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60)
    expect(p.existUser.attributes.get('productive_min')!.service?.name).toBe('timebridge')

    h.toggl.resetToken(p.togglUser, 'toggl-token-alice-0002')
    const again = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      { togglToken: p.togglUser.token },
    )
    expect(again.sources[0]).toMatchObject({ resumed: true, unmapped: [] })
    await sync(user)
    expectExistMatches(
      h,
      p.existUser,
      'Europe/Berlin',
      togglEntries(p.togglUser),
      new Map([
        [`toggl:${work.id}`, 'productive_min'],
        [`toggl:${tv.id}`, 'tv_min'],
      ]),
    )
  })

  it('a Clockify workspace that refuses access is skipped alone and its mapped project kept through the daily refresh', async () => {
    const { cu, eu, user, mapping, leave, rejoin } = await clockifyTeamMember(h)
    await sync(user)

    leave()
    h.advance(DAY)
    await sync(user)
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(20)
    expect(h.exist.value(eu, 'tv_min', '2026-11-19')).toBe(60)
    expect(
      (await listProjects(h.deps, user)).filter((x) => x.inaccessible).map((x) => x.name),
    ).toEqual(['Team work'])

    rejoin()
    h.advance(HOUR)
    await sync(user)
    expect((await listProjects(h.deps, user)).filter((x) => x.inaccessible)).toEqual([])
    expectExistMatches(h, eu, 'Europe/Berlin', clockifyEntries(cu), mapping)
  })
})
