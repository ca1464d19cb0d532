/** The drift check against loopback Toggl and Exist: hand edits found and repaired day by day, pending days, ownership that goes and comes back, cost. */
import { and, eq } from 'drizzle-orm'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { localWindow } from '../../src/core/local-window.ts'
import { atomically } from '../../src/store/database.ts'
import { setRepairDrift } from '../../src/store/exist-values-store.ts'
import { attributes, existValues, userData, users } from '../../src/store/schema.ts'
import { getUser } from '../../src/store/user-store.ts'
import { checkUser, repairUser, storedDrift } from '../../src/sync/exist-check.ts'
import { syncAll } from '../../src/sync/sync-all.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import type { FakeExistRequest } from '../fakes/index.ts'
import { createHarness, DAY, type Harness, HOUR } from '../helpers/harness.ts'
import { expectExistMatchesToggl, mappedPerson, type Person } from '../helpers/scenario.ts'

const ATTRS = ['productive_min', 'tv_min'] as const
type Item = { name: string; date: string; value: number }

/** Every write item Exist received, with its endpoint. */
function writeItems(requests: FakeExistRequest[]): (Item & { op: string })[] {
  return requests
    .filter((r) => r.method === 'POST' && /\/attributes\/(update|increment)\/$/.test(r.path))
    .flatMap((r) =>
      (r.body as Item[]).map((i) => ({
        op: r.path.includes('update') ? 'update' : 'increment',
        ...i,
      })),
    )
}
const reads = (requests: FakeExistRequest[]) =>
  requests.filter((r) => r.method === 'GET').map((r) => r.path)

async function setUp(h: Harness): Promise<Person> {
  const p = await mappedPerson(h)
  // A week of work and TV, so most window days hold something.
  for (let d = 0; d < 7; d++) {
    const day = Date.parse('2026-11-13T08:00:00Z') + d * DAY
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: day,
      stop: day + (40 + d * 7) * 60_000,
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: p.tv.id,
      start: day + 11 * HOUR,
      stop: day + 11 * HOUR + (25 + d) * 60_000,
    })
  }
  expect((await syncUser(h.deps, p.user, 'schedule')).status).toBe('ok')
  expectExistMatchesToggl(h, p)
  return p
}

describe('drift check', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:40:00Z' })
  })
  afterEach(() => h.close())

  it('first check a day after mapping; then once a day, two reads; the hourly runs between make no Exist request', async () => {
    const p = await setUp(h)
    for (let hour = 1; hour < 24; hour++) {
      h.advance(HOUR)
      h.exist.resetLog()
      expect((await syncUser(h.deps, p.user, 'schedule')).status).toBe('ok')
      expect(h.exist.requests, `hour ${hour}`).toEqual([])
    }
    h.advance(HOUR)
    h.exist.resetLog()
    // What Node's croner runs every hour.
    const [daily] = await syncAll(h.deps, 'schedule')
    if (!daily) throw new Error('no run')
    // The profile (time zone) is refreshed daily anyway; the check adds its two reads.
    expect(reads(h.exist.requests)).toEqual([
      '/api/2/accounts/profile/',
      '/api/2/attributes/with-values/',
      '/api/2/attributes/owned/',
    ])
    expect(h.exist.requests[1]!.query).toMatchObject({
      attributes: 'productive_min,tv_min',
      days: '14',
      date_max: '2026-11-21',
    })
    expect(daily.summary.requests.exist).toBe(2) // the profile read is counted apart from the run's writes and checks
    expect(daily.summary.checked).toEqual({ drifted: 0, repairing: 0, regained: [], lost: [] })
    expect(await h.deps.db.select().from(existValues)).toHaveLength(28)
    // A manual run (Sync now, cli sync) never reads Exist back by itself.
    h.advance(2 * DAY)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'cli')
    expect(reads(h.exist.requests)).toEqual(['/api/2/accounts/profile/'])
  })

  it('finds hand edits on random days and repairs them with exactly one update per drifted day', async () => {
    const p = await setUp(h)
    const { dates } = localWindow(h.clock.now, 'Europe/Berlin', 14)
    const edits = fc.sample(
      fc.uniqueArray(
        fc.record({
          attribute: fc.constantFrom(...ATTRS),
          day: fc.integer({ min: 0, max: 13 }),
          value: fc.integer({ min: 0, max: 600 }),
        }),
        { minLength: 1, maxLength: 10, selector: (e) => `${e.attribute}/${e.day}` },
      ),
      { numRuns: 1, seed: 1313 },
    )[0]!
    const truth = new Map<string, number>()
    for (const e of edits) {
      const date = dates[e.day]!
      truth.set(`${e.attribute}/${date}`, h.exist.value(p.existUser, e.attribute, date))
      h.exist.setValue(p.existUser, e.attribute, date, e.value)
    }
    const drifted = edits
      .map((e) => ({ attribute: e.attribute, date: dates[e.day]!, exist: e.value }))
      .filter((e) => truth.get(`${e.attribute}/${e.date}`) !== e.exist)
      .map((e) => ({ ...e, sent: truth.get(`${e.attribute}/${e.date}`)! }))
      .sort((a, b) => a.attribute.localeCompare(b.attribute) || a.date.localeCompare(b.date))
    expect(drifted.length).toBeGreaterThan(0)

    h.exist.resetLog()
    const report = await checkUser(h.deps, p.user)
    expect(reads(h.exist.requests)).toEqual([
      '/api/2/attributes/with-values/',
      '/api/2/attributes/owned/',
    ])
    expect(report).toMatchObject({
      user: p.user,
      requests: 2,
      days_compared: 28,
      regained: [],
      lost: [],
    })
    expect(report.drift).toEqual(drifted)
    // Stored: the status page and repair need no request.
    expect(await storedDrift(h.deps, await getUser(h.deps.db, p.user))).toEqual(drifted)

    h.exist.resetLog()
    const repair = await repairUser(h.deps, p.user, 'cli')
    expect(repair.status).toBe('ok')
    expect(reads(h.exist.requests)).toEqual([])
    const items = writeItems(h.exist.requests)
    expect(items.every((i) => i.op === 'update')).toBe(true)
    expect(
      items
        .map((i) => ({ attribute: i.name, date: i.date, value: i.value }))
        .sort((a, b) => a.attribute.localeCompare(b.attribute) || a.date.localeCompare(b.date)),
    ).toEqual(drifted.map((d) => ({ attribute: d.attribute, date: d.date, value: d.sent })))
    expectExistMatchesToggl(h, p)
    expect(await storedDrift(h.deps, await getUser(h.deps.db, p.user))).toEqual([])

    // Nothing left to do: the next hourly run stays silent towards Exist.
    h.advance(HOUR)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    expect(h.exist.requests).toEqual([])
  })

  it('a day whose write is still pending is not drift, and a lost repair answer is settled by the next run', async () => {
    const p = await setUp(h)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-19T15:00:00Z',
      stop: '2026-11-19T15:30:00Z',
    })
    h.exist.loseNextResponse({ path: '/attributes/increment/' })
    h.advance(HOUR)
    const lost = await syncUser(h.deps, p.user, 'cli')
    expect(lost.summary.pending).toBe(1)
    // Exist did apply it, the ledger does not know: pending, not drift.
    expect((await checkUser(h.deps, p.user)).drift).toEqual([])

    h.exist.setValue(p.existUser, 'tv_min', '2026-11-17', 5)
    expect((await checkUser(h.deps, p.user)).drift).toEqual([
      { attribute: 'tv_min', date: '2026-11-17', exist: 5, sent: 29 },
    ])
    h.exist.loseNextResponse({ path: '/attributes/update/' })
    const repair = await repairUser(h.deps, p.user, 'web')
    expect(repair.status).toBe('deferred')
    expect(repair.summary.pending).toBe(1)
    h.advance(HOUR)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    expect(writeItems(h.exist.requests).map((i) => [i.op, i.name, i.date])).toEqual(
      expect.arrayContaining([
        ['update', 'tv_min', '2026-11-17'],
        ['update', 'productive_min', '2026-11-19'],
      ]),
    )
    expectExistMatchesToggl(h, p)
  })

  it('with "repair drift automatically" on, the daily check repairs in the same run, one update per drifted day', async () => {
    const p = await setUp(h)
    await atomically(h.deps.db, [setRepairDrift(h.deps.db, p.user, true)])
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-14', 3)
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-08', 77)
    h.advance(DAY)
    h.exist.resetLog()
    const run = await syncUser(h.deps, p.user, 'schedule')
    expect(run.summary.checked).toMatchObject({ drifted: 2, repairing: 2 })
    expect(
      writeItems(h.exist.requests)
        .map((i) => [i.op, i.name, i.date, i.value])
        .sort(),
    ).toEqual([
      ['update', 'productive_min', '2026-11-14', 47],
      ['update', 'tv_min', '2026-11-08', 0],
    ])
    expectExistMatchesToggl(h, p)
    expect(await storedDrift(h.deps, await getUser(h.deps.db, p.user))).toEqual([])
  })

  it('notices an attribute taken away before any write is refused, and resumes when it is handed back', async () => {
    const p = await setUp(h)
    h.exist.stealAttribute(p.existUser, 'tv_min', { name: 'trakt', label: 'Trakt' })
    h.advance(DAY)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.tv.id,
      start: '2026-11-21T08:00:00Z',
      stop: '2026-11-21T08:45:00Z',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-21T10:00:00Z',
      stop: '2026-11-21T10:20:00Z',
    })
    h.exist.resetLog()
    const taken = await syncUser(h.deps, p.user, 'schedule')
    expect(taken.status).toBe('ok')
    expect(taken.summary.refused).toEqual([])
    expect(taken.summary.checked?.lost).toEqual(['tv_min'])
    expect(writeItems(h.exist.requests).map((i) => i.name)).toEqual(['productive_min'])
    const [row] = await h.deps.db
      .select()
      .from(attributes)
      .where(and(eq(attributes.userId, p.user), eq(attributes.attribute, 'tv_min')))
    expect(row).toMatchObject({ status: 'refused', error: expect.stringContaining('Trakt') })

    // Trakt writes a day; the user hands the attribute back in Exist; no new mapping.
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-15', 200)
    h.exist.giveBack(p.existUser, 'tv_min')
    h.advance(HOUR)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    expect(h.exist.requests).toEqual([]) // not due yet: the next daily check notices
    h.advance(DAY)
    const back = await syncUser(h.deps, p.user, 'schedule')
    expect(back.summary.checked?.regained).toEqual(['tv_min'])
    expectExistMatchesToggl(h, p)
    h.advance(HOUR)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    expect(h.exist.requests).toEqual([])
  })

  it('an attribute refused on write comes back through an on-demand check and converges in the next run', async () => {
    const p = await setUp(h)
    h.exist.stealAttribute(p.existUser, 'productive_min', {
      name: 'rescuetime',
      label: 'RescueTime',
    })
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-20T09:00:00Z',
      stop: '2026-11-20T09:50:00Z',
    })
    h.advance(HOUR)
    const refused = await syncUser(h.deps, p.user, 'cli')
    expect(refused.summary.refused).toHaveLength(1)
    h.exist.giveBack(p.existUser, 'productive_min')
    const check = await checkUser(h.deps, p.user)
    expect(check.regained).toEqual(['productive_min'])
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'cli')
    expect(writeItems(h.exist.requests)).toEqual([
      { op: 'update', name: 'productive_min', date: '2026-11-20', value: 50 },
    ])
    expectExistMatchesToggl(h, p)
  })

  it('an Exist outage during the daily check does not fail the run; it is tried again a day later', async () => {
    const p = await setUp(h)
    h.advance(DAY)
    h.exist.failNext({ path: '/attributes/with-values/' }, { status: 503 }, 3)
    const run = await syncUser(h.deps, p.user, 'schedule')
    expect(run.status).toBe('ok')
    expect(run.summary.notes.join(' ')).toMatch(/Could not check what Exist holds/)
    const [u] = await h.deps.db.select().from(users).where(eq(users.id, p.user))
    expect(u!.existCheckError).toMatch(/HTTP 503/)
    h.advance(HOUR)
    h.exist.resetLog()
    await syncUser(h.deps, p.user, 'schedule')
    expect(h.exist.requests).toEqual([])
  })

  it('check and repair refuse an unknown user and a user whose Exist token was refused, changing nothing', async () => {
    const p = await setUp(h)
    await expect(checkUser(h.deps, 999)).rejects.toThrow(/No user 999/)
    await h.deps.db
      .update(users)
      .set({ syncing: false, stoppedReason: 'Exist refused the saved token' })
      .where(eq(users.id, p.user))
    h.exist.resetLog()
    await expect(repairUser(h.deps, p.user, 'cli')).rejects.toThrow(/Syncing is stopped/)
    expect(h.exist.requests).toEqual([])
    expect(await h.deps.db.select().from(userData).where(eq(userData.pending, true))).toEqual([])
  })
})
