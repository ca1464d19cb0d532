/** On workerd with D1: a history import runs as queue messages, one chunk each, re-enqueued by the consumer and by the hourly schedule when the budget is free again. */
import type { Queue } from '@cloudflare/workers-types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IMPORT_BUDGET } from '../../src/core/history-plan.ts'
import { importStatus, startHistoryImport } from '../../src/sync/history-import.ts'
import {
  datesBetween,
  expectHistoryMatches,
  historyEntries,
  peakPerHour,
} from '../helpers/history.ts'
import { mappedPerson, mappingOf, togglEntries } from '../helpers/scenario.ts'
import { createWorkerHarness, type WorkerHarness } from './worker-harness.ts'

const ZONE = 'Europe/Berlin'

/** A stand-in SYNC_QUEUE that keeps what the Worker sends. */
function recordingQueue() {
  const sent: unknown[] = []
  const queue = {
    async send(body: unknown) {
      sent.push(body)
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      for (const m of messages) sent.push(m.body)
    },
  }
  return { queue: queue as unknown as Queue<unknown>, sent }
}

describe('history import through the queue on D1', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('imports eight months past the /me/time_entries reach, a chunk per message, equal to the truth and within the quotas', async () => {
    const p = await mappedPerson(h, 'wanda', ZONE)
    const since = '2026-03-01'
    const until = '2026-11-06'
    for (const e of historyEntries(ZONE, '2026-02-27', '2026-11-19', [
      String(p.work.id),
      String(p.tv.id),
    ])) {
      h.toggl.addEntry(p.togglUser, { projectId: Number(e.project), start: e.start, stop: e.stop })
    }
    await startHistoryImport(h.deps, p.user, since)
    const { queue, sent } = recordingQueue()
    let pending: unknown[] = [{ importUser: p.user }]
    let messages = 0
    for (let i = 0; i < 100 && pending.length > 0; i++) {
      sent.length = 0
      const result = await h.deliver([], { bodies: pending, queue })
      messages += pending.length
      expect(result.retryMessages).toEqual([])
      pending = [...sent]
      if (pending.length > 0) continue
      const status = await importStatus(h.deps, p.user)
      if (status?.status !== 'running') break
      // This hour's share is spent: the next hourly schedule enqueues the sync jobs and the import.
      h.advance(Date.parse(status.resume_at!) - Date.now() + 60_000)
      sent.length = 0
      await h.schedule(queue)
      expect(sent).toContainEqual({ user: p.user })
      expect(sent).toContainEqual({ importUser: p.user })
      pending = sent.filter((b) => typeof b === 'object' && b !== null && 'importUser' in b)
    }
    const status = await importStatus(h.deps, p.user)
    const days = datesBetween(since, until)
    expect(status).toMatchObject({ status: 'done', days_done: days.length, error: null })
    // One chunk per message.
    expect(messages).toBeGreaterThanOrEqual(Math.ceil(days.length / 31))
    expectHistoryMatches(
      h.exist,
      p.existUser,
      ZONE,
      togglEntries(p.togglUser),
      mappingOf(p),
      days,
      Date.now(),
    )
    expect(h.toggl.requests.some((r) => r.path.includes('/reports/api/v3/'))).toBe(true)
    expect(h.toggl.requests.every((r) => r.status === 200)).toBe(true)
    // The import's third, plus connecting and the hourly sync.
    expect(peakPerHour(h.toggl.requests)).toBeLessThanOrEqual(IMPORT_BUDGET.toggl + 3)
  })
})
