import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { disconnectUser } from '../../src/users/disconnect.ts'
import { connectUser } from '../../src/users/connect-user.ts'
import { mapProject } from '../../src/users/map-project.ts'
import { zeroOut } from '../../src/sync/zero-out.ts'
import { addPerson, createWorkerHarness, HOUR, runsOf, type WorkerHarness } from './worker-harness.ts'

/** The Node scenarios, run by the Worker's queue consumer on workerd with D1. */
describe('sync through the queue consumer on D1', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  /** Alice (Berlin): Work and Side project → productive_min, Series → tv_min. */
  async function alice() {
    const p = addPerson(h, 'alice', 'Europe/Berlin')
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
    const side = h.toggl.addProject(p.togglUser, { name: 'Side project' })
    // 09:00–10:30 Berlin on the 19th, plus 45 min of side project that day; 70 min of TV on the 18th
    const morning = h.toggl.addEntry(p.togglUser, { projectId: work.id, start: '2026-11-19T08:00:00Z', stop: '2026-11-19T09:30:00Z' })
    const lunch = h.toggl.addEntry(p.togglUser, { projectId: side.id, start: '2026-11-19T12:00:00Z', stop: '2026-11-19T12:45:00Z' })
    const evening = h.toggl.addEntry(p.togglUser, { projectId: tv.id, start: '2026-11-18T19:00:00Z', stop: '2026-11-18T20:10:00Z' })
    const { user } = await connectUser(h.deps, { kind: 'personal', token: p.existToken }, { togglToken: p.togglToken })
    await mapProject(h.deps, user, `toggl:${work.id}`, 'productive_min')
    await mapProject(h.deps, user, `toggl:${side.id}`, 'productive_min')
    await mapProject(h.deps, user, `toggl:${tv.id}`, 'tv_min')
    return { ...p, user, work, tv, side, morning, lunch, evening }
  }

  async function syncedAlice() {
    const a = await alice()
    const first = await h.deliver([a.user])
    expect(first.explicitAcks).toEqual(first.ids)
    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    return a
  }

  const productive = (a: Awaited<ReturnType<typeof alice>>, date: string) => h.exist.value(a.existUser, 'productive_min', date)
  const tv = (a: Awaited<ReturnType<typeof alice>>, date: string) => h.exist.value(a.existUser, 'tv_min', date)

  it('first sync sends each day total once; then one Toggl request and no Exist request', async () => {
    const a = await alice()
    const first = await h.deliver([a.user])
    expect(first.explicitAcks).toEqual(first.ids)
    expect(first.retryMessages).toEqual([])
    expect(productive(a, '2026-11-19')).toBe(135)
    expect(tv(a, '2026-11-18')).toBe(70)
    expect(await runsOf(a.user)).toMatchObject([{ trigger: 'queue', status: 'ok' }])

    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    const second = await h.deliver([a.user])
    expect(second.explicitAcks).toEqual(second.ids)
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    expect(h.exist.requests).toEqual([])
    expect((await runsOf(a.user)).map((r) => r.status)).toEqual(['ok', 'ok'])
  })

  it('edit: a longer entry is incremented, a shorter one is set with update', async () => {
    const a = await syncedAlice()
    h.toggl.editEntry(a.togglUser, a.morning.id, { stop: '2026-11-19T10:00:00Z' }) // +30 min
    await h.deliver([a.user])
    expect(productive(a, '2026-11-19')).toBe(165)
    expect(h.exist.writes().map((w) => w.path)).toEqual(['/api/2/attributes/increment/'])

    h.exist.resetLog()
    h.toggl.editEntry(a.togglUser, a.evening.id, { stop: '2026-11-18T19:40:00Z' }) // 70 → 40 min
    await h.deliver([a.user])
    expect(tv(a, '2026-11-18')).toBe(40)
    expect(h.exist.writes().map((w) => w.path)).toEqual(['/api/2/attributes/update/'])
  })

  it('move: an entry moved to another day and to another project lands where it now belongs', async () => {
    const a = await syncedAlice()
    h.toggl.editEntry(a.togglUser, a.lunch.id, { start: '2026-11-17T12:00:00Z', stop: '2026-11-17T12:45:00Z' })
    h.toggl.editEntry(a.togglUser, a.evening.id, { projectId: a.work.id })
    await h.deliver([a.user])
    expect(productive(a, '2026-11-19')).toBe(90)
    expect(productive(a, '2026-11-17')).toBe(45)
    expect(productive(a, '2026-11-18')).toBe(70)
    expect(tv(a, '2026-11-18')).toBe(0)
  })

  it('delete: a deleted entry takes its minutes out of the day', async () => {
    const a = await syncedAlice()
    h.toggl.deleteEntry(a.togglUser, a.morning.id)
    h.toggl.deleteEntry(a.togglUser, a.evening.id)
    await h.deliver([a.user])
    expect(productive(a, '2026-11-19')).toBe(45)
    expect(tv(a, '2026-11-18')).toBe(0)
    const writes = h.exist.writes()
    expect(writes.every((w) => w.path === '/api/2/attributes/update/')).toBe(true)
  })

  it('zero-out clears what Exist holds in the window and re-sends the true totals', async () => {
    const a = await syncedAlice()
    h.exist.setValue(a.existUser, 'productive_min', '2026-11-15', 999) // a stray value
    const report = await zeroOut(h.deps, a.user, 'web')
    expect(report.status).toBe('ok')
    expect(report.zeroed).toBe(2 * 14)
    expect(productive(a, '2026-11-15')).toBe(0)
    expect(productive(a, '2026-11-19')).toBe(135)
    expect(tv(a, '2026-11-18')).toBe(70)

    h.advance(HOUR)
    h.exist.resetLog()
    await h.deliver([a.user])
    expect(h.exist.requests).toEqual([])
  })

  it('disconnect deletes everything of the user; a job still queued for them is acked without a run', async () => {
    const a = await syncedAlice()
    const result = await disconnectUser(h.deps, a.user)
    expect(result.released.sort()).toEqual(['productive_min', 'tv_min'])
    for (const table of ['users', 'source_connections', 'projects', 'mappings', 'attributes', 'user_data', 'runs']) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>()
      expect(row?.n, table).toBe(0)
    }
    h.toggl.resetLog()
    const late = await h.deliver([a.user])
    expect(late.explicitAcks).toEqual(late.ids)
    expect(late.retryMessages).toEqual([])
    expect(h.toggl.requests).toEqual([])
    // What Exist holds stays (Zero Out first to clear it).
    expect(productive(a, '2026-11-19')).toBe(135)
  })

  it('never syncs a user twice at once: duplicates in a batch and a concurrent invocation', async () => {
    const a = await alice()
    const both = await h.deliver([a.user, a.user])
    expect(both.explicitAcks.sort()).toEqual([...both.ids].sort())
    expect(await runsOf(a.user)).toHaveLength(1)

    // Two invocations at once (as two consumer instances would): one holds the lease, the other
    // finds it taken, acks, and leaves no run behind.
    h.advance(HOUR)
    h.toggl.resetLog()
    const [x, y] = await Promise.all([h.deliver([a.user]), h.deliver([a.user])])
    expect([...x.explicitAcks, ...y.explicitAcks].sort()).toEqual([...x.ids, ...y.ids].sort())
    expect(h.toggl.requests.filter((r) => r.path === '/api/v9/me/time_entries')).toHaveLength(1)
    expect(await runsOf(a.user)).toHaveLength(2)
  })
})
