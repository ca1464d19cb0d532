/** On workerd with D1: the daily drift check runs inside the queue job — hand edits found, auto-repaired, an attribute handed back resumes. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { atomically } from '../../src/store/database.ts'
import { setRepairDrift } from '../../src/store/exist-values-store.ts'
import { checkUser, repairUser } from '../../src/sync/exist-check.ts'
import type { FakeExistRequest } from '../fakes/fake-exist.ts'
import { addPerson, connectMapped, expectExistMatches, togglEntries } from '../helpers/scenario.ts'
import { createWorkerHarness, DAY, HOUR, type WorkerHarness } from './worker-harness.ts'

type Item = { name: string; date: string; value: number }
const items = (requests: FakeExistRequest[]) =>
  requests
    .filter((r) => r.method === 'POST' && /\/attributes\/(update|increment)\/$/.test(r.path))
    .flatMap((r) => (r.body as Item[]).map((i) => [r.path.split('/')[4], i.name, i.date, i.value]))
const checks = (requests: FakeExistRequest[]) =>
  requests
    .filter((r) => r.method === 'GET' && r.path !== '/api/2/accounts/profile/')
    .map((r) => r.path)

describe('drift check in the queue job on D1', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T12:40:00Z' })
  })
  afterEach(() => h.close())

  async function person() {
    const p = addPerson(h, 'alice', 'Europe/Berlin')
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    const tv = h.toggl.addProject(p.togglUser, { name: 'Series' })
    for (let d = 0; d < 6; d++) {
      const day = Date.parse('2026-11-14T08:00:00Z') + d * DAY
      h.toggl.addEntry(p.togglUser, {
        projectId: work.id,
        start: day,
        stop: day + (30 + 5 * d) * 60_000,
      })
      h.toggl.addEntry(p.togglUser, {
        projectId: tv.id,
        start: day + 10 * HOUR,
        stop: day + 10 * HOUR + 45 * 60_000,
      })
    }
    const { user } = await connectMapped(
      h,
      p.existToken,
      { togglToken: p.togglToken },
      { [`toggl:${work.id}`]: 'productive_min', [`toggl:${tv.id}`]: 'tv_min' },
    )
    const mapping = new Map([
      [`toggl:${work.id}`, 'productive_min'],
      [`toggl:${tv.id}`, 'tv_min'],
    ])
    const matches = () =>
      expectExistMatches(h, p.existUser, 'Europe/Berlin', togglEntries(p.togglUser), mapping)
    const deliver = async () => {
      const result = await h.deliver([user])
      expect(result.explicitAcks).toEqual(result.ids)
    }
    return { ...p, user, work, tv, matches, deliver }
  }

  it('reads Exist back once a day in the queue job and repairs drift there when the user opted in', async () => {
    const p = await person()
    await p.deliver()
    p.matches()
    await atomically(h.deps.db, [setRepairDrift(h.deps.db, p.user, true)])
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-16', 500)
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-12', 30)

    h.advance(HOUR)
    h.exist.resetLog()
    await p.deliver()
    expect(h.exist.requests).toEqual([]) // the steady hour: no check due yet

    h.advance(DAY)
    h.exist.resetLog()
    await p.deliver()
    expect(checks(h.exist.requests)).toEqual([
      '/api/2/attributes/with-values/',
      '/api/2/attributes/owned/',
    ])
    expect(items(h.exist.requests).sort()).toEqual([
      ['update', 'productive_min', '2026-11-16', 40],
      ['update', 'tv_min', '2026-11-12', 0],
    ])
    p.matches()
    const stored = await env.DB.prepare('SELECT count(*) AS n FROM exist_values').first<{
      n: number
    }>()
    expect(stored?.n).toBe(28)

    h.advance(HOUR)
    h.exist.resetLog()
    await p.deliver()
    expect(h.exist.requests).toEqual([])
  })

  it('check and repair through D1: one update per drifted day; a handed-back attribute converges in the run after the check', async () => {
    const p = await person()
    await p.deliver()
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-18', 1)
    const report = await checkUser(h.deps, p.user)
    expect(report.drift).toEqual([{ attribute: 'tv_min', date: '2026-11-18', exist: 1, sent: 45 }])
    h.exist.resetLog()
    await repairUser(h.deps, p.user, 'web')
    expect(items(h.exist.requests)).toEqual([['update', 'tv_min', '2026-11-18', 45]])
    p.matches()

    h.exist.stealAttribute(p.existUser, 'tv_min', { name: 'trakt', label: 'Trakt' })
    h.toggl.addEntry(p.togglUser, {
      projectId: p.tv.id,
      start: '2026-11-20T06:00:00Z',
      stop: '2026-11-20T06:30:00Z',
    })
    h.advance(HOUR)
    await p.deliver() // refused: tv_min stops syncing
    h.exist.giveBack(p.existUser, 'tv_min')
    h.advance(DAY)
    await p.deliver()
    p.matches()
  })
})
