import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SyncJob } from '../../src/sync/sync-jobs.ts'
import { createWorkerHarness, type WorkerHarness } from './worker-harness.ts'

const USERS = 12_345

/** A stand-in for the SYNC_QUEUE binding that keeps what the scheduled handler sends. */
function recordingQueue(opts: { failBatch?: number } = {}) {
  const batches: SyncJob[][] = []
  let calls = 0
  const queue = {
    async send() {
      throw new Error('the schedule sends in batches')
    },
    async sendBatch(messages: Iterable<MessageSendRequest<SyncJob>>) {
      const call = ++calls
      if (call === opts.failBatch) throw new Error('Queue send failed: Too Many Requests')
      batches.push([...messages].map((m) => m.body))
    },
  }
  return { queue: queue as unknown as Queue<unknown>, batches }
}

describe('scheduled handler', () => {
  let h: WorkerHarness
  const now = Date.parse('2026-11-20T11:40:00Z')
  beforeEach(async () => {
    h = await createWorkerHarness({ now: '2026-11-20T11:40:00Z' })
    // 12,345 users straight into D1: every 97th stopped syncing, every 101st asked by an API to
    // wait an hour, every 103rd asked to wait until a minute ago (due again).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
       INSERT INTO users (id, exist_username, timezone, timezone_checked_at, exist_auth, exist_token, syncing, retry_after)
       SELECT i, 'user' || i, 'UTC', ?2, 'personal', 'v1.sealed.token',
              CASE WHEN i % 97 = 0 THEN 0 ELSE 1 END,
              CASE WHEN i % 101 = 0 THEN ?2 + 3600000 WHEN i % 103 = 0 THEN ?2 - 60000 ELSE NULL END
       FROM n`,
    )
      .bind(USERS, now)
      .run()
  })
  afterEach(() => h.close())

  it('enqueues every due user exactly once, in batches of at most 100', async () => {
    const { queue, batches } = recordingQueue()
    await h.schedule(queue)

    const due = Array.from({ length: USERS }, (_, i) => i + 1).filter((i) => i % 97 !== 0 && i % 101 !== 0)
    const sent = batches.flat().map((job) => job.user)
    expect(sent.length).toBe(due.length)
    expect(new Set(sent).size).toBe(sent.length)
    expect([...sent].sort((a, b) => a - b)).toEqual(due)
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(100)
    expect(batches.length).toBe(Math.ceil(5_000 / 100) * 2 + Math.ceil((due.length - 10_000) / 100))
  })

  it('a failed batch does not stop the others, and the run then fails loudly', async () => {
    const { queue, batches } = recordingQueue({ failBatch: 3 })
    await expect(h.schedule(queue)).rejects.toThrow(/Could not enqueue 1 batch\(es\) of sync jobs: users .*Too Many Requests/)
    expect(batches.flat().length).toBe(USERS - Math.floor(USERS / 97) - Math.floor(USERS / 101) + Math.floor(USERS / (97 * 101)) - 100)
  })
})
