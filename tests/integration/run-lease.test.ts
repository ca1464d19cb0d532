/** The run lease: owner recorded, takeover from a dead process at once, 60 s expiry elsewhere, renewal between steps, failed release, shutdown. */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { eq, sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mapProject } from '../../src/accounts/map-project.ts'
import { nodeProcessProbe } from '../../src/entry/node-process.ts'
import type { LeaseOwner } from '../../src/shared/process-probe.ts'
import { users } from '../../src/store/schema.ts'
import { LEASE_TTL_MS, MAX_RUN_MS } from '../../src/sync/run-lease.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, HOUR } from '../helpers/harness.ts'
import { expectExistMatchesToggl, mappedPersonWith, type Person } from '../helpers/scenario.ts'

describe('run lease', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPersonWith(h, [
      ['work', '2026-11-19T08:00:00Z', '2026-11-19T09:30:00Z'],
      ['tv', '2026-11-18T20:00:00Z', '2026-11-18T21:00:00Z'],
    ])
  })
  afterEach(() => h.close())

  const leaseRow = async () => {
    const [row] = await h.deps.db
      .select({ owner: users.leaseOwner, until: users.leaseUntil, started: users.leaseStartedAt })
      .from(users)
      .where(eq(users.id, p.user))
    return row!
  }
  const holdLease = (owner: LeaseOwner, untilMs = h.clock.now + LEASE_TTL_MS) =>
    h.deps.db
      .update(users)
      .set({
        leaseOwner: JSON.stringify(owner),
        leaseUntil: new Date(untilMs),
        leaseStartedAt: new Date(h.clock.now),
      })
      .where(eq(users.id, p.user))
  /** Deps of a process on another machine: same database, no way to see this host's processes. */
  const elsewhere = () => ({
    ...h.deps,
    processes: { self: { host: 'other-host', pid: 7, start: 'ticks:1' }, isGone: () => false },
  })
  /** Calls `hook` before each HTTP request the sync makes (after the first `skip` requests). */
  const beforeRequests = (hook: (url: URL) => Promise<void> | void) => {
    const real = h.deps.transport
    h.deps.transport = async (req) => {
      await hook(new URL(req.url))
      return real(req)
    }
  }

  it('records its owner and expires within 60 s unless renewed', async () => {
    let seen: Awaited<ReturnType<typeof leaseRow>> | undefined
    beforeRequests(async (url) => {
      if (url.pathname.includes('time_entries')) seen = await leaseRow()
    })
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('ok')
    const owner = JSON.parse(seen!.owner!) as LeaseOwner
    expect(owner).toMatchObject({
      host: nodeProcessProbe().self.host,
      pid: process.pid,
      start: expect.any(String),
      run: expect.any(String),
    })
    expect(seen!.until!.getTime() - h.clock.now).toBeLessThanOrEqual(60_000)
    expect(seen!.started!.getTime()).toBe(h.clock.now)
    // Released at the end.
    expect(await leaseRow()).toEqual({ owner: null, until: null, started: null })
  })

  it('takes over at once a lease whose owner process no longer exists on this host', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    await new Promise((resolve) => child.once('spawn', resolve))
    const self = nodeProcessProbe().self
    const start = readProcStart(child.pid!) ?? self.start
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    await holdLease({ ...self, pid: child.pid!, start, run: 'killed-run' })

    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report).toMatchObject({ status: 'ok', error: null })
    expectExistMatchesToggl(h, p)
  })

  it('reports a run still going on this host, with when it is done at the latest', async () => {
    // The parent of this test process is alive for as long as the test runs.
    const self = nodeProcessProbe().self
    await holdLease({
      ...self,
      pid: process.ppid,
      start: readProcStart(process.ppid) ?? 'unknown',
      run: 'live-run',
    })
    const report = await syncUser(h.deps, p.user, 'web')
    expect(report.status).toBe('skipped')
    expect(report.busy).toEqual({
      since: new Date(h.clock.now).toISOString(),
      done_by: new Date(h.clock.now + MAX_RUN_MS + LEASE_TTL_MS).toISOString(),
      where: `this host, process ${process.ppid}`,
    })
    expect(report.error).toContain(`it is done by ${report.busy!.done_by} at the latest`)
    expect(h.exist.writes()).toEqual([])
  })

  it('a run killed on another host (or Worker) blocks the user for at most a minute', async () => {
    await holdLease({ host: 'other-host', pid: 4242, start: 'ticks:99', run: 'dead-elsewhere' })
    expect((await syncUser(h.deps, p.user, 'cli')).busy?.where).toBe(
      'host other-host, process 4242',
    )
    h.advance(LEASE_TTL_MS + 1_000)
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })

  it('renews the lease between steps, so a slow run keeps it past 60 s and others wait', async () => {
    // A third attribute: 42 first-run updates go in two batches of at most 35.
    await mapProject(h.deps, p.user, `toggl:${p.side.id}`, 'gaming_min')
    let writes = 0
    let competitor: Awaited<ReturnType<typeof syncUser>> | undefined
    beforeRequests(async (url) => {
      if (!/attributes\/(update|increment)/.test(url.pathname)) return
      if (++writes === 1) h.advance(50_000)
      else competitor = await syncUser(elsewhere(), p.user, 'schedule')
    })
    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report).toMatchObject({ status: 'ok', summary: { written: { update: 42 } } })
    expect(competitor?.status).toBe('skipped')
    expect(writes).toBe(2)
  })

  it('a run that lost its lease while stalled stops before writing anything', async () => {
    beforeRequests(async (url) => {
      if (!url.pathname.includes('time_entries')) return
      // The pull stalls past the expiry and a run elsewhere takes the user over.
      h.advance(LEASE_TTL_MS + 5_000)
      await holdLease({ host: 'other-host', pid: 9, start: 'ticks:5', run: 'taker' })
    })
    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report.status).toBe('deferred')
    expect(report.error).toMatch(/Another run took this user over/)
    expect(h.exist.writes()).toEqual([])
    // The other run's lease is left alone.
    expect(JSON.parse((await leaseRow()).owner!)).toMatchObject({ run: 'taker' })
  })

  it('a release that fails (disk full) blocks this process not at all and others for at most a minute', async () => {
    const { $client } = h.deps.db as unknown as { $client: import('better-sqlite3').Database }
    $client.exec(`CREATE TRIGGER full_disk BEFORE UPDATE OF lease_until ON users WHEN NEW.lease_until IS NULL
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
    await expect(syncUser(h.deps, p.user, 'cli')).rejects.toThrow(/disk is full/)
    $client.exec('DROP TRIGGER full_disk')
    expect((await leaseRow()).until).not.toBeNull()

    // Another host waits for the expiry…
    expect((await syncUser(elsewhere(), p.user, 'schedule')).status).toBe('skipped')
    // …this process knows the run is over and goes on at once.
    h.advance(HOUR)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.side.id,
      start: '2026-11-20T08:00:00Z',
      stop: '2026-11-20T08:20:00Z',
    })
    expect((await syncUser(h.deps, p.user, 'web')).status).toBe('ok')
    expectExistMatchesToggl(h, p)

    await h.deps.db.run(sql`CREATE TRIGGER full_disk BEFORE UPDATE OF lease_until ON users WHEN NEW.lease_until IS NULL
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
    await expect(syncUser(h.deps, p.user, 'cli')).rejects.toThrow(/disk is full/)
    await h.deps.db.run(sql`DROP TRIGGER full_disk`)
    h.advance(LEASE_TTL_MS + 1_000)
    expect((await syncUser(elsewhere(), p.user, 'schedule')).status).toBe('ok')
  })

  it('stops between steps when the process shuts down, releases the lease, and the next run converges', async () => {
    const controller = new AbortController()
    beforeRequests((url) => {
      if (url.pathname.includes('time_entries')) controller.abort()
    })
    const report = await syncUser({ ...h.deps, shutdown: controller.signal }, p.user, 'schedule')
    expect(report).toMatchObject({
      status: 'deferred',
      error: expect.stringMatching(/shutting down/),
    })
    expect(h.exist.writes()).toEqual([])
    expect((await leaseRow()).owner).toBeNull()
    expect(
      (await syncUser({ ...h.deps, shutdown: controller.signal }, p.user, 'schedule')).status,
    ).toBe('skipped')
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })
})

/** The OS start time of a process, as the lease records it (Linux); undefined elsewhere. */
function readProcStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return `ticks:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`
  } catch {
    return undefined
  }
}
