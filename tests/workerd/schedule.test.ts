/** On workerd: the schedule enqueues every due user exactly once. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SyncJob } from '../../src/sync/sync-jobs.ts'
import { createWorkerHarness, type WorkerHarness } from './worker-harness.ts'

const NOW = '2026-11-20T11:40:00Z'

/**
 * `count` users straight into D1: every 97th stopped syncing, every 101st asked by an API to wait
 * another hour, every 103rd asked to wait until a minute ago (due again). Returns the due ids.
 */
async function seedUsers(count: number): Promise<number[]> {
  const now = Date.parse(NOW)
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO users (id, exist_username, timezone, timezone_checked_at, exist_auth, exist_token, syncing, retry_after)
     SELECT i, 'user' || i, 'UTC', ?2, 'personal', 'v1.sealed.token',
            CASE WHEN i % 97 = 0 THEN 0 ELSE 1 END,
            CASE WHEN i % 101 = 0 THEN ?2 + 3600000 WHEN i % 103 = 0 THEN ?2 - 60000 ELSE NULL END
     FROM n`,
  )
    .bind(count, now)
    .run()
  return Array.from({ length: count }, (_, i) => i + 1).filter((i) => i % 97 !== 0 && i % 101 !== 0)
}

/** A stand-in for the SYNC_QUEUE binding that keeps what the scheduled handler sends. */
function recordingQueue(opts: { failCalls?: number[] } = {}) {
  const batches: SyncJob[][] = []
  let calls = 0
  const queue = {
    async send() {
      throw new Error('the schedule sends in batches')
    },
    async sendBatch(messages: Iterable<MessageSendRequest<SyncJob>>) {
      const call = ++calls
      if (opts.failCalls?.includes(call)) throw new Error('Queue send failed: Too Many Requests')
      batches.push([...messages].map((m) => m.body))
    },
  }
  return { queue: queue as unknown as Queue<unknown>, batches }
}

describe('scheduled handler', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness({ now: NOW })
  })
  afterEach(() => h.close())

  it('enqueues every due user exactly once, in batches of at most 100', {
    timeout: 20_000,
  }, async () => {
    const due = await seedUsers(12_345)
    const { queue, batches } = recordingQueue()
    await h.schedule(queue)

    const sent = batches.flat().map((job) => job.user)
    expect(sent.length).toBe(due.length)
    expect(new Set(sent).size).toBe(sent.length)
    expect([...sent].sort((a, b) => a - b)).toEqual(due)
    // Pages of 5,000 due users, each sent as 50 batches of 100.
    expect(batches.length).toBe(50 + 50 + Math.ceil((due.length - 10_000) / 100))
    expect(Math.max(...batches.map((b) => b.length))).toBe(100)
  })

  it('sends a batch again once after a refusal', async () => {
    const due = await seedUsers(1_000)
    const { queue, batches } = recordingQueue({ failCalls: [3] })
    await h.schedule(queue)
    expect(batches.flat().length).toBe(due.length)
  })

  it('a batch refused twice does not stop the others, and the run then fails loudly', async () => {
    const due = await seedUsers(1_000)
    const { queue, batches } = recordingQueue({ failCalls: [3, 4] })
    await expect(h.schedule(queue)).rejects.toThrow(
      /Could not enqueue 1 batch\(es\) of sync jobs: users .*Too Many Requests/,
    )
    expect(batches.flat().length).toBe(due.length - 100)
  })
})
