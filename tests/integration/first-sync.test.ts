/** A first sync sends each day total; the next unchanged run costs one Toggl request and no Exist request. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { statusOf } from '../../src/accounts/user-status.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import { addPerson, connectMapped } from '../helpers/scenario.ts'

describe('first sync and steady state', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('sends each day total once, then makes one Toggl request and no Exist request', async () => {
    const p = addPerson(h, 'alice', 'Europe/Berlin')
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
    const side = h.toggl.addProject(p.togglUser, { name: 'Side project' })
    // 09:00–10:30 Berlin on the 19th, plus 45 min of side project that day
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:30:00Z',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: side.id,
      start: '2026-11-19T12:00:00Z',
      stop: '2026-11-19T12:45:00Z',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: tv.id,
      start: '2026-11-18T19:00:00Z',
      stop: '2026-11-18T20:10:00Z',
    })

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

    const first = await syncUser(h.deps, user, 'cli')
    expect(first.status).toBe('ok')
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(135)
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-18')).toBe(70)
    expect(first.summary.read.toggl).toBe(3)

    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    const second = await syncUser(h.deps, user, 'cli')
    expect(second.status).toBe('ok')
    expect(second.summary.written).toEqual({ increment: 0, update: 0 })
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    expect(h.exist.requests).toEqual([])

    const status = await statusOf(h.deps, user)
    expect(status.users[0]!.runs[0]!.status).toBe('ok')
    expect(status.users[0]!.mappings).toHaveLength(3)
    void MINUTE
  })
})
