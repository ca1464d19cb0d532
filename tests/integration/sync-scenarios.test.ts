/** The sync against loopback Toggl and Exist: edits, moves, deletes, remaps, midnight, faults and quotas. */

import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mapProject } from '../../src/accounts/map-project.ts'
import { userData } from '../../src/store/schema.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, DAY, type Harness, HOUR, MINUTE } from '../helpers/harness.ts'
import {
  expectExistMatchesToggl,
  mappedPerson,
  type Person,
  sentToExist,
} from '../helpers/scenario.ts'

describe('sync scenarios against loopback Toggl and Exist', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPerson(h)
  })
  afterEach(() => h.close())

  const sync = () => syncUser(h.deps, p.user, 'cli')
  const add = (project: { id: number }, start: string, stop: string | null) =>
    h.toggl.addEntry(p.togglUser, { projectId: project.id, start, stop })
  const ledger = () => h.deps.db.select().from(userData).where(eq(userData.userId, p.user))

  it('first sync sets absolute totals for newly mapped attributes, even over values another service left', async () => {
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-18', 999)
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    const report = await sync()
    expect(report.status).toBe('ok')
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-18')).toBe(0)
    expect(report.summary.written.update).toBe(28)
    expectExistMatchesToggl(h, p)
  })

  it('follows edits, moves and deletes with increments up and updates down', async () => {
    const a = add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    const b = add(p.tv, '2026-11-17T19:00:00Z', '2026-11-17T21:00:00Z')
    const c = add(p.side, '2026-11-16T10:00:00Z', '2026-11-16T10:30:00Z')
    await sync()
    expectExistMatchesToggl(h, p)

    h.advance(HOUR)
    h.toggl.editEntry(p.togglUser, a.id, { stop: '2026-11-19T09:45:00Z' }) // longer
    h.toggl.editEntry(p.togglUser, b.id, {
      start: '2026-11-18T19:00:00Z',
      stop: '2026-11-18T20:00:00Z',
    }) // moved and shorter
    h.toggl.deleteEntry(p.togglUser, c.id)
    h.exist.resetLog()
    const report = await sync()
    expect(report.summary.written).toEqual({ increment: 2, update: 2 })
    const sent = sentToExist(h)
    expect(sent).toEqual(
      expect.arrayContaining([
        ['/api/2/attributes/increment/', 'productive_min', 45],
        ['/api/2/attributes/update/', 'productive_min', 0],
        ['/api/2/attributes/update/', 'tv_min', 0],
        ['/api/2/attributes/increment/', 'tv_min', 60],
      ]),
    )
    expectExistMatchesToggl(h, p)
  })

  it('splits an entry crossing local midnight across both days', async () => {
    add(p.tv, '2026-11-18T22:30:00Z', '2026-11-19T00:15:00Z') // 23:30 → 01:15 Berlin
    await sync()
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-18')).toBe(30)
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-19')).toBe(75)
  })

  it('counts a running entry up to now, and keeps counting next hour', async () => {
    add(p.work, '2026-11-20T10:30:00Z', null)
    await sync()
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-20')).toBe(90)
    h.advance(HOUR)
    const report = await sync()
    expect(report.summary.written).toEqual({ increment: 1, update: 0 })
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-20')).toBe(150)
  })

  it('remapping moves minutes between attributes; unmapping the last project releases the attribute', async () => {
    add(p.tv, '2026-11-19T19:00:00Z', '2026-11-19T20:00:00Z')
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T08:20:00Z')
    await sync()
    await mapProject(h.deps, p.user, `toggl:${p.tv.id}`, 'productive_min')
    const moved = await sync()
    expect(moved.status).toBe('ok')
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(80)
    // tv_min lost its last project: released, ledger rows gone, Exist keeps what it holds
    expect(p.existUser.attributes.get('tv_min')!.service).toBeNull()
    expect((await ledger()).filter((r) => r.attribute === 'tv_min')).toEqual([])
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-19')).toBe(60)

    // mapping it again takes it back and sets absolute totals (no double count)
    await mapProject(h.deps, p.user, `toggl:${p.tv.id}`, 'tv_min')
    await sync()
    expectExistMatchesToggl(h, p)
  })

  it('a lost response is settled with an absolute update next run: no double count', async () => {
    await sync()
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    h.exist.loseNextResponse({ path: '/attributes/increment/' }, 'drop')
    const lost = await sync()
    expect(lost.status).toBe('deferred')
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60) // applied, answer lost
    const rows = (await ledger()).filter((r) => r.pending)
    expect(rows.map((r) => [r.attribute, r.date, r.value])).toEqual([
      ['productive_min', '2026-11-19', 60],
    ])

    h.advance(HOUR)
    h.exist.resetLog()
    const next = await sync()
    expect(next.summary.written).toEqual({ increment: 0, update: 1 })
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60)
    expect((await ledger()).some((r) => r.pending)).toBe(false)
  })

  it('a 202 partial failure keeps the failed item pending with its error, and settles it later', async () => {
    await sync()
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    add(p.work, '2026-11-18T08:00:00Z', '2026-11-18T08:30:00Z')
    const refusal = h.exist.failItems(
      (i) => i.date === '2026-11-18',
      'validation',
      'Value out of range',
    )
    const partial = await sync()
    expect(partial.status).toBe('partial')
    expect(partial.summary.refused).toEqual([
      { attribute: 'productive_min', date: '2026-11-18', error: 'Value out of range' },
    ])
    const pending = (await ledger()).filter((r) => r.pending)
    expect(pending).toMatchObject([{ date: '2026-11-18', error: 'validation: Value out of range' }])
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60)

    refusal.remove()
    const healed = await sync()
    expect(healed.status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })

  it('stops writing an attribute another service took, until it is mapped again', async () => {
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    await sync()
    h.exist.stealAttribute(p.existUser, 'productive_min', {
      name: 'rescuetime',
      label: 'RescueTime',
    })
    add(p.work, '2026-11-19T10:00:00Z', '2026-11-19T10:30:00Z')
    const refused = await sync()
    expect(refused.status).toBe('partial')
    expect(refused.summary.refused[0]!.error).toMatch(/does not belong/)
    h.exist.resetLog()
    await sync()
    expect(h.exist.writes()).toEqual([]) // no tug of war
    const again = await mapProject(h.deps, p.user, `toggl:${p.work.id}`, 'productive_min')
    expect(again.took_over_from).toBe('RescueTime')
    await sync()
    expectExistMatchesToggl(h, p)
  })

  it('ends the run quietly on a Toggl quota answer and waits as told', async () => {
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    h.toggl.failNext(1, 402, { 'X-Toggl-Quota-Remaining': '0', 'X-Toggl-Quota-Resets-In': '1200' })
    h.exist.resetLog()
    const quota = await sync()
    expect(quota.status).toBe('deferred')
    expect(quota.error).toMatch(/quota/)
    expect(h.exist.requests).toEqual([])
    const waiting = await sync()
    expect(waiting.status).toBe('skipped')
    h.advance(21 * MINUTE)
    expect((await sync()).status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })

  it('defers on an Exist 429 mid-push and settles the rest next run', async () => {
    await sync()
    for (let d = 1; d <= 13; d++)
      add(
        p.work,
        new Date(h.clock.now - d * DAY).toISOString(),
        new Date(h.clock.now - d * DAY + 30 * MINUTE).toISOString(),
      )
    for (let d = 1; d <= 13; d++)
      add(
        p.tv,
        new Date(h.clock.now - d * DAY).toISOString(),
        new Date(h.clock.now - d * DAY + 20 * MINUTE).toISOString(),
      )
    for (let d = 1; d <= 13; d++)
      add(
        p.side,
        new Date(h.clock.now - d * DAY - HOUR).toISOString(),
        new Date(h.clock.now - d * DAY - 50 * MINUTE).toISOString(),
      )
    h.exist.failNext(
      { path: '/attributes/increment/' },
      { status: 429, headers: { 'Retry-After': '60' } },
    )
    const limited = await sync()
    expect(limited.status).toBe('deferred')
    expect(limited.summary.pending).toBeGreaterThan(0)
    h.advance(2 * MINUTE)
    expect((await sync()).status).toBe('ok')
    expectExistMatchesToggl(h, p)
  })

  it('retries a Toggl 5xx within the run, and defers when it persists', async () => {
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    h.toggl.failNext(1, 503)
    expect((await sync()).status).toBe('ok')
    h.toggl.failNext(3, 500)
    const down = await sync()
    expect(down.status).toBe('deferred')
    expect(down.error).toMatch(/HTTP 500/)
  })

  it('a Toggl 429 defers the user for as long as Retry-After says', async () => {
    h.toggl.failNext(1, 429, { 'Retry-After': '600' })
    const limited = await sync()
    expect(limited).toMatchObject({
      status: 'deferred',
      error: expect.stringMatching(/rate limit/),
    })
    h.advance(5 * MINUTE)
    expect((await sync()).status).toBe('skipped')
    h.advance(6 * MINUTE)
    expect((await sync()).status).toBe('ok')
  })

  it('an answer that does not match its schema fails the run with one clear line and writes nothing', async () => {
    add(p.work, '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z')
    h.toggl.failNext(
      1,
      200,
      { 'Content-Type': 'application/json' },
      JSON.stringify([{ id: 1, start: 'yesterday' }]),
    )
    h.exist.resetLog()
    const bad = await sync()
    expect(bad.status).toBe('error')
    expect(bad.error).toMatch(
      /^Toggl Track answered GET \/me\/time_entries with an unexpected response at 0\.\w+: /,
    )
    expect(bad.error).not.toContain('\n')
    expect(h.exist.requests).toEqual([])
    expect((await ledger()).every((r) => r.pending && r.value === 0)).toBe(true) // untouched since mapping
  })

  it('splits a Toggl answer that hits the 1000-entry cap', async () => {
    for (let i = 0; i < 1100; i++)
      add(
        p.work,
        new Date(h.clock.now - 10 * DAY + i * 10 * MINUTE).toISOString(),
        new Date(h.clock.now - 10 * DAY + i * 10 * MINUTE + 5 * MINUTE).toISOString(),
      )
    h.toggl.resetLog()
    const report = await sync()
    expect(report.summary.read.toggl).toBe(1100)
    expect(h.toggl.requests.length).toBeGreaterThan(1)
    // meta=true is not asked for: nothing reads the names it adds.
    expect(h.toggl.requests.every((r) => r.query.meta === undefined)).toBe(true)
    expectExistMatchesToggl(h, p)
  })

  it('counts an entry that starts exactly at a split point once, however Toggl reads end_date', async () => {
    h.toggl.endDateInclusive = true
    for (let i = 0; i < 1100; i++)
      add(
        p.work,
        new Date(h.clock.now - 10 * DAY + i * 10 * MINUTE).toISOString(),
        new Date(h.clock.now - 10 * DAY + i * 10 * MINUTE + 5 * MINUTE).toISOString(),
      )
    h.toggl.resetLog()
    await sync()
    // The first split point: the end of the first half asked for.
    const split = h.toggl.requests
      .map((r) => r.query.end_date!)
      .find((end, i) => i > 0 && h.toggl.requests[i + 1]?.query.start_date === end)!
    expect(split).toBeDefined()
    add(p.work, split, new Date(Date.parse(split) + 7 * MINUTE).toISOString())
    h.toggl.resetLog()
    const report = await sync()
    expect(h.toggl.requests.some((r) => r.query.end_date === split)).toBe(true)
    expect(report.summary.read.toggl).toBe(1101)
    expectExistMatchesToggl(h, p)
  })

  it('purges ledger rows more than 21 days before local today', async () => {
    add(p.work, '2026-11-07T08:00:00Z', '2026-11-07T09:00:00Z')
    await sync()
    expect((await ledger()).some((r) => r.date === '2026-11-07')).toBe(true)
    h.advance(21 * DAY) // local today is 2026-12-11: rows before 2026-11-20 are past retention
    await sync()
    const dates = (await ledger()).map((r) => r.date)
    expect(dates.every((d) => d >= '2026-11-20')).toBe(true)
    expect(dates).not.toContain('2026-11-07')
  })

  it('refreshes the Exist time zone daily and re-buckets days in the new zone', async () => {
    add(p.work, '2026-11-19T23:30:00Z', '2026-11-20T00:30:00Z')
    await sync()
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-20')).toBe(60) // Berlin: 00:30–01:30
    p.existUser.timezone = 'America/New_York'
    h.advance(DAY)
    await sync()
    const nyc = { ...p, zone: 'America/New_York' }
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-19')).toBe(60) // New York: 18:30–19:30
    expect(h.exist.value(p.existUser, 'productive_min', '2026-11-20')).toBe(0)
    expectExistMatchesToggl(h, nyc)
  })
})
