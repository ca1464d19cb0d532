/** History import over loopback: three years of Toggl (past /me/time_entries into the Reports API) and of Clockify land in Exist equal to the truth, within a third of each quota, paced over hours. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addRule } from '../../src/accounts/mapping-rules.ts'
import { IMPORT_BUDGET } from '../../src/core/history-plan.ts'
import {
  cancelHistoryImport,
  type HistoryStatus,
  importStatus,
  previewImport,
  runHistoryImport,
  startHistoryImport,
} from '../../src/sync/history-import.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, MINUTE } from '../helpers/harness.ts'
import {
  datesBetween,
  expectHistoryMatches,
  historyEntries,
  peakPerHour,
} from '../helpers/history.ts'
import {
  clockifyEntries,
  clockifyPerson,
  connectMapped,
  mappedPerson,
  mappingOf,
  togglEntries,
} from '../helpers/scenario.ts'

const ZONE = 'Europe/Berlin'
const SINCE = '2023-11-20'
// The window on 2026-11-20 is 11-07..11-20: the import covers everything before it.
const UNTIL = '2026-11-06'
const YEARS = datesBetween(SINCE, UNTIL).length / 365.25

/**
 * Runs the import as the schedule would: whenever it waits for the next hour's budget, the clock
 * moves there and the hourly sync runs first (it keeps priority), then the import carries on.
 */
async function drive(h: Harness, user: number): Promise<{ status: HistoryStatus; hours: number }> {
  let hours = 0
  for (let i = 0; i < 2_000; i++) {
    const { outcome, status } = await runHistoryImport(h.deps, user)
    if (status?.status !== 'running') return { status: status!, hours }
    if (outcome === 'waiting') {
      expect(status.resume_at).not.toBeNull()
      h.clock.now = Date.parse(status.resume_at!) + MINUTE
      hours++
      await syncUser(h.deps, user, 'schedule')
    }
  }
  throw new Error('the import never finished')
}

describe('history import', { timeout: 120_000 }, () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('imports three years of Toggl through the Reports API and /me/time_entries, equal to the truth, within the quotas', async () => {
    const p = await mappedPerson(h, 'alice', ZONE)
    const projects = [p.work.id, p.side.id, p.tv.id]
    for (const e of historyEntries(ZONE, '2023-11-18', '2026-11-19', projects.map(String))) {
      h.toggl.addEntry(p.togglUser, { projectId: Number(e.project), start: e.start, stop: e.stop })
    }
    await syncUser(h.deps, p.user, 'schedule')

    const preview = await previewImport(h.deps, p.user, SINCE)
    expect(preview).toEqual({
      since: SINCE,
      until: UNTIL,
      days: datesBetween(SINCE, UNTIL).length,
      attributes: ['productive_min', 'tv_min'],
    })
    h.toggl.resetLog()
    h.exist.resetLog()
    const startedAt = h.clock.now
    await startHistoryImport(h.deps, p.user, SINCE)
    const { status, hours } = await drive(h, p.user)

    expect(status).toMatchObject({
      status: 'done',
      days_done: preview.days,
      days_total: preview.days,
      written: preview.days * 2,
      refused: 0,
      error: null,
    })
    expectHistoryMatches(
      h.exist,
      p.existUser,
      ZONE,
      togglEntries(p.togglUser),
      mappingOf(p),
      datesBetween(SINCE, UNTIL),
      h.clock.now,
    )

    const toggl = h.toggl.requests
    const reports = toggl.filter((r) => r.path.includes('/reports/api/v3/'))
    const recent = toggl.filter((r) => r.path === '/api/v9/me/time_entries')
    // More pages than chunks: the Reports API paginated.
    expect(reports.length).toBeGreaterThan(Math.ceil(preview.days / 31))
    // Both sources of history were used, and the Reports API paginated (X-Next-ID / X-Next-Row-Number).
    expect(recent.some((r) => r.query.start_date! < '2026-11-01')).toBe(true)
    expect(toggl.every((r) => r.status === 200)).toBe(true)
    expect(h.exist.requests.every((r) => r.status === 200)).toBe(true)
    // A third of each hourly quota for the import; the hourly sync (a request or two) on top.
    expect(peakPerHour(toggl)).toBeLessThanOrEqual(IMPORT_BUDGET.toggl + 3)
    expect(peakPerHour(h.exist.requests)).toBeLessThanOrEqual(IMPORT_BUDGET.exist + 5)
    // Absolute updates only: re-running is harmless.
    const historyWrites = h.exist
      .writes()
      .flatMap((r) => (r.body as { date: string }[]).map((i) => ({ path: r.path, date: i.date })))
      .filter((w) => w.date <= UNTIL)
    expect(historyWrites.length).toBe(preview.days * 2)
    expect(historyWrites.every((w) => w.path.endsWith('/attributes/update/'))).toBe(true)
    expect(hours).toBeGreaterThan(3)

    const perYear = {
      toggl: Math.round(status.requests.toggl / YEARS),
      exist: Math.round(status.requests.exist / YEARS),
      hours: Math.round(((h.clock.now - startedAt) / 3_600_000 / YEARS) * 10) / 10,
      reportPages: Math.round(reports.length / YEARS),
    }
    console.log(`history import, Toggl: requests per imported year ${JSON.stringify(perYear)}`)
  })

  it('imports three years of Clockify equal to the truth within the quotas; re-running changes nothing', async () => {
    const { cu, eu, work, reading } = clockifyPerson(h, 'cleo')
    const mapping = {
      [`clockify:${work.id}`]: 'productive_min',
      [`clockify:${reading.id}`]: 'tv_min',
    }
    const { user } = await connectMapped(h, eu.token, { clockifyKey: cu.key }, mapping)
    for (const e of historyEntries(ZONE, '2023-11-18', '2026-11-19', [work.id, reading.id], 11)) {
      h.clockify.addEntry(cu, { projectId: e.project, start: e.start, end: e.stop })
    }
    await syncUser(h.deps, user, 'schedule')
    h.clockify.resetLog()
    h.exist.resetLog()
    await startHistoryImport(h.deps, user, SINCE)
    const { status } = await drive(h, user)
    expect(status).toMatchObject({ status: 'done', days_done: status.days_total, refused: 0 })
    const check = () =>
      expectHistoryMatches(
        h.exist,
        eu,
        ZONE,
        clockifyEntries(cu),
        new Map(Object.entries(mapping)),
        datesBetween(SINCE, UNTIL),
        h.clock.now,
      )
    check()
    expect(h.clockify.requests.every((r) => r.status === 200)).toBe(true)
    expect(peakPerHour(h.clockify.requests)).toBeLessThanOrEqual(IMPORT_BUDGET.clockify + 3)
    const perYear = {
      clockify: Math.round(status.requests.clockify / YEARS),
      exist: Math.round(status.requests.exist / YEARS),
    }
    console.log(`history import, Clockify: requests per imported year ${JSON.stringify(perYear)}`)

    // The same import again (since the start of 2026): the same values, nothing added.
    await startHistoryImport(h.deps, user, '2026-01-01')
    const again = await drive(h, user)
    expect(again.status.status).toBe('done')
    check()
  })

  it('buckets history with the same rules as the sync: tag and description rules before the project mappings, first match wins', async () => {
    const p = await mappedPerson(h, 'rita', ZONE)
    // Evening entries on Work described "reading" count as TV time, never twice.
    await addRule(h.deps, p.user, { kind: 'description', value: 'Reading', attribute: 'tv_min' })
    // A tag rule first: the Reports API names tags by id, so the import reads the workspace's tags.
    await addRule(h.deps, p.user, { kind: 'tag', value: 'deep', attribute: 'productive_min' }, 1)
    const entries = historyEntries(
      ZONE,
      '2026-01-30',
      '2026-11-19',
      [String(p.work.id), String(p.tv.id)],
      5,
    )
    const rows = entries.map((e, i) => ({
      ...e,
      description: i % 3 === 0 ? 'reading a book' : 'other',
      tags: i % 5 === 0 ? ['deep'] : i % 7 === 0 ? ['shallow'] : [],
    }))
    for (const e of rows) {
      h.toggl.addEntry(p.togglUser, {
        projectId: Number(e.project),
        start: e.start,
        stop: e.stop,
        description: e.description,
        tags: e.tags,
      })
    }
    await startHistoryImport(h.deps, p.user, '2026-02-01')
    const { status } = await drive(h, p.user)
    expect(status).toMatchObject({ status: 'done', error: null })
    // The oracle, independently: a matching description wins, else the entry's project mapping.
    const oracle = rows.map((e) => ({
      project: e.tags.includes('deep')
        ? 'rule:deep'
        : e.description.includes('reading')
          ? 'rule:tv'
          : `toggl:${e.project}`,
      start: e.start,
      stop: e.stop,
    }))
    expectHistoryMatches(
      h.exist,
      p.existUser,
      ZONE,
      oracle,
      new Map([
        ['rule:deep', 'productive_min'],
        ['rule:tv', 'tv_min'],
        [`toggl:${p.work.id}`, 'productive_min'],
        [`toggl:${p.tv.id}`, 'tv_min'],
      ]),
      datesBetween('2026-02-01', UNTIL),
      h.clock.now,
    )
  })

  it('says what it will replace, refuses bad dates, and can be cancelled', async () => {
    const p = await mappedPerson(h, 'bob', ZONE)
    await expect(previewImport(h.deps, p.user, '2026-13-01')).rejects.toThrow(/YYYY-MM-DD/)
    await expect(previewImport(h.deps, p.user, '2020-01-01')).rejects.toThrow(/5 years/)
    await expect(previewImport(h.deps, p.user, '2026-11-10')).rejects.toThrow(
      /before the sync window/,
    )
    await startHistoryImport(h.deps, p.user, '2024-01-01')
    await expect(startHistoryImport(h.deps, p.user, '2025-01-01')).rejects.toThrow(/under way/)
    const once = await runHistoryImport(h.deps, p.user, { maxChunks: 1 })
    expect(once.status).toMatchObject({ status: 'running', days_done: 31 })
    expect(await cancelHistoryImport(h.deps, p.user)).toMatchObject({
      status: 'cancelled',
      days_done: 31,
    })
    expect((await runHistoryImport(h.deps, p.user)).outcome).toBe('idle')
    expect((await importStatus(h.deps, p.user))?.status).toBe('cancelled')
  })
})
