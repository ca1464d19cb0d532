/** On workerd: what one unchanged user costs per run (API requests and D1 round trips). */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Deps } from '../../src/deps.ts'
import { createWorkerDeps } from '../../src/entry/worker-deps.ts'
import { consumeSyncJobs, type JobMessage } from '../../src/sync/sync-jobs.ts'
import { addPerson, connectMapped } from '../helpers/scenario.ts'
import { createWorkerHarness, HOUR, type WorkerHarness } from './worker-harness.ts'

/** Counts what reaches D1: round trips (what the per-invocation limit counts), statements, and writes. */
function countingD1(db: D1Database) {
  const count = { roundTrips: 0, statements: 0, writes: 0 }
  const isWrite = (sql: string) => /^\s*(insert|update|delete)/i.test(sql)
  const track = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const bind = stmt.bind.bind(stmt)
    stmt.bind = (...values: unknown[]) => track(bind(...values), sql)
    for (const method of ['all', 'run', 'raw', 'first'] as const) {
      const original = (stmt[method] as (...a: unknown[]) => Promise<unknown>).bind(stmt)
      ;(stmt as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        count.roundTrips++
        count.statements++
        if (isWrite(sql)) count.writes++
        return original(...args)
      }
    }
    ;(stmt as unknown as { sql: string }).sql = sql
    return stmt
  }
  const counted = Object.create(db) as D1Database
  counted.prepare = (sql: string) => track(db.prepare(sql), sql)
  counted.batch = (statements: D1PreparedStatement[]) => {
    count.roundTrips++
    count.statements += statements.length
    count.writes += statements.filter((s) => isWrite((s as unknown as { sql: string }).sql)).length
    return db.batch(statements)
  }
  return { counted, count }
}

describe('steady-state cost of one user on Workers', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness()
  })
  afterEach(() => h.close())

  it('one Toggl request, no Exist request, and a bounded number of D1 round trips', async () => {
    const p = addPerson(h, 'alice', 'Europe/Berlin')
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:30:00Z',
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
      { [`toggl:${work.id}`]: 'productive_min', [`toggl:${tv.id}`]: 'tv_min' },
    )
    await h.deliver([user])

    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    const { counted, count } = countingD1(env.DB)
    const deps: Deps = await createWorkerDeps({ ...h.env, DB: counted })
    let acked = 0
    const message: JobMessage = {
      id: 'm1',
      body: { user },
      attempts: 1,
      ack: () => acked++,
      retry: () => {},
    }
    await consumeSyncJobs(deps, [message])

    expect(acked).toBe(1)
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    expect(h.exist.requests).toEqual([])
    // The numbers README's "Deploy to Cloudflare" works with; a change here changes that argument.
    // Round trips: the user; the lease taken; one batch of reads (sources, mappings, attributes,
    // mapping rules, mapped projects' workspaces, the ledger, whether old runs need pruning); one batch that
    // records the run and releases the lease. Pruning runs and purging the ledger join that last
    // batch only when due (tested below).
    expect(count).toEqual({ roundTrips: 4, statements: 11, writes: 3 })
  })
})
