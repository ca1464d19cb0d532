/** On workerd with D1: the Node sync scenarios run through the queue consumer. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { disconnectSource, disconnectUser } from '../../src/accounts/disconnect.ts'
import { zeroOut } from '../../src/sync/zero-out.ts'
import {
  clockifyEntries,
  clockifyPerson,
  connectMapped,
  expectExistMatches,
  expectExistMatchesToggl,
  mappedPerson,
  type Person,
  sentToExist,
} from '../helpers/scenario.ts'
import { createWorkerHarness, HOUR, runsOf, type WorkerHarness } from './worker-harness.ts'

const TABLES = [
  'users',
  'source_connections',
  'projects',
  'mappings',
  'attributes',
  'user_data',
  'exist_values',
  'runs',
]

/**
 * The Node scenarios (tests/integration/sync-scenarios, lifecycle, clockify), run by the Worker's
 * queue consumer on workerd with D1: every sync below is a queue message delivered to the Worker.
 */
describe('sync through the queue consumer on D1', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  /** One queue delivery for the user; the message must be acked. */
  async function sync(p: Person | { user: number }) {
    const result = await h.deliver([p.user])
    expect(result.retryMessages).toEqual([])
    expect(result.explicitAcks).toEqual(result.ids)
    return (await runsOf(p.user))[0]
  }

  it('first sync sets absolute totals, even over values another service left; then one Toggl request and nothing to Exist', async () => {
    const p = await mappedPerson(h)
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-18', 999)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    expect(await sync(p)).toMatchObject({ trigger: 'queue', status: 'ok', error: null })
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-18')).toBe(0)
    expect(h.exist.writes().flatMap((r) => r.body as unknown[])).toHaveLength(28)
    expectExistMatchesToggl(h, p)

    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    expect(await sync(p)).toMatchObject({ status: 'ok' })
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    expect(h.exist.requests).toEqual([])
  })

  it('follows edits, moves and deletes with increments up and updates down', async () => {
    const p = await mappedPerson(h)
    const a = h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const b = h.toggl.addEntry(p.togglUser, {
      projectId: p.tv.id,
      start: '2026-11-17T19:00:00Z',
      stop: '2026-11-17T21:00:00Z',
    })
    const c = h.toggl.addEntry(p.togglUser, {
      projectId: p.side.id,
      start: '2026-11-16T10:00:00Z',
      stop: '2026-11-16T10:30:00Z',
    })
    await sync(p)
    expectExistMatchesToggl(h, p)

    h.advance(HOUR)
    h.toggl.editEntry(p.togglUser, a.id, { stop: '2026-11-19T09:45:00Z' }) // longer
    h.toggl.editEntry(p.togglUser, b.id, {
      start: '2026-11-18T19:00:00Z',
      stop: '2026-11-18T20:00:00Z',
    }) // moved and shorter
    h.toggl.deleteEntry(p.togglUser, c.id)
    h.exist.resetLog()
    expect(await sync(p)).toMatchObject({ status: 'ok' })
    const sent = sentToExist(h)
    expect(sent).toEqual(
      expect.arrayContaining([
        ['/api/2/attributes/increment/', 'productive_min', 45],
        ['/api/2/attributes/update/', 'productive_min', 0],
        ['/api/2/attributes/update/', 'tv_min', 0],
        ['/api/2/attributes/increment/', 'tv_min', 60],
      ]),
    )
    expect(sent).toHaveLength(4)
    expectExistMatchesToggl(h, p)
  })

  it('Zero Out repairs a manual edit in Exist and re-sends every day', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: p.tv.id,
      start: '2026-11-18T19:00:00Z',
      stop: '2026-11-18T20:30:00Z',
    })
    await sync(p)
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-19', 500)
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-10', 42)
    h.advance(HOUR)
    const report = await zeroOut(h.deps, p.user, 'web')
    expect(report).toMatchObject({ status: 'ok', zeroed: 28 })
    expectExistMatchesToggl(h, p)
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-10')).toBe(0)

    h.advance(HOUR)
    h.exist.resetLog()
    await sync(p)
    expect(h.exist.requests).toEqual([])
  })

  it('disconnecting one source keeps the user; disconnecting the user leaves nothing, and a late job is acked without a run', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    await sync(p)
    const other = await mappedPerson(h, 'carol')
    await sync(other)

    const source = await disconnectSource(h.deps, other.user, 'toggl')
    expect(source.released.sort()).toEqual(['productive_min', 'tv_min'])
    const rows = (table: string, user: number) =>
      env.DB.prepare(
        `SELECT count(*) AS n FROM ${table} WHERE ${table === 'users' ? 'id' : 'user_id'} = ?`,
      )
        .bind(user)
        .first<{ n: number }>()
    expect((await rows('users', other.user))?.n).toBe(1)
    expect((await rows('mappings', other.user))?.n).toBe(0)

    const result = await disconnectUser(h.deps, p.user)
    expect(result.released.sort()).toEqual(['productive_min', 'tv_min'])
    for (const table of TABLES) expect((await rows(table, p.user))?.n, table).toBe(0)
    expect(p.existUser.attributes.get('productive_min')!.service).toBeNull()
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60) // Exist keeps what it holds
    expect((await rows('users', other.user))?.n).toBe(1)

    h.toggl.resetLog()
    const late = await h.deliver([p.user])
    expect(late.explicitAcks).toEqual(late.ids)
    expect(h.toggl.requests).toEqual([])
  })

  it('a Clockify user on a regional host converges through edits, moves and deletes', async () => {
    const { cu, eu, work, reading } = clockifyPerson(h, 'cleo', 'euc1')
    const { user, mapping } = await connectMapped(
      h,
      eu.token,
      { clockifyKey: cu.key, clockifyRegion: 'eu' },
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
    await sync({ user })
    check()

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
    await sync({ user })
    check()
    expect(h.clockify.requests.every((r) => r.host === 'euc1.clockify.me')).toBe(true)
  })

  it('never syncs a user twice at once: duplicates in a batch and two invocations at the same time', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const both = await h.deliver([p.user, p.user])
    expect(both.explicitAcks.sort()).toEqual([...both.ids].sort())
    expect(await runsOf(p.user)).toHaveLength(1)

    // As two consumer instances would: one holds the lease, the other finds it taken, acks, and
    // leaves no run behind.
    h.advance(HOUR)
    h.toggl.resetLog()
    const [x, y] = await Promise.all([h.deliver([p.user]), h.deliver([p.user])])
    expect([...x.explicitAcks, ...y.explicitAcks].sort()).toEqual([...x.ids, ...y.ids].sort())
    expect(h.toggl.requests.filter((r) => r.path === '/api/v9/me/time_entries')).toHaveLength(1)
    expect(await runsOf(p.user)).toHaveLength(2)
    expectExistMatchesToggl(h, p)
  })

  it('a lease left by an isolate that died mid-run blocks the user for at most 60 s', async () => {
    const p = await mappedPerson(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    // What an isolate killed between its lease write and its release leaves (Workers cannot see
    // whether another isolate lives, so only the expiry frees it).
    const now = Date.now()
    await env.DB.prepare(
      'UPDATE users SET lease_owner = ?, lease_until = ?, lease_started_at = ? WHERE id = ?',
    )
      .bind(JSON.stringify({ host: 'isolate-gone', run: 'r1' }), now + 60_000, now, p.user)
      .run()
    h.toggl.resetLog()
    for (const wait of [0, 59_000]) {
      h.advance(wait)
      const busy = await h.deliver([p.user])
      expect(busy.explicitAcks).toEqual(busy.ids)
      expect(h.toggl.requests).toEqual([])
      expect(await runsOf(p.user)).toHaveLength(0)
    }
    h.advance(1_001)
    const freed = await h.deliver([p.user])
    expect(freed.explicitAcks).toEqual(freed.ids)
    expect(await runsOf(p.user)).toMatchObject([{ status: 'ok', trigger: 'queue' }])
    expectExistMatchesToggl(h, p)
  })
})
