/** On workerd: failing runs are retried with back-off and acked otherwise (then the dead-letter queue). */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../src/entry/worker.ts'
import { addPerson, connectMapped } from '../helpers/scenario.ts'
import { createWorkerHarness, runsOf, SYNC_QUEUE, type WorkerHarness } from './worker-harness.ts'

/**
 * The consumer's half of retries: a failed run is retried with a growing delay on every attempt;
 * after max_retries (wrangler.toml, checked in tests/worker-config.test.ts) the platform moves the
 * message to the dead-letter queue. Everything that a retry cannot fix is acked.
 */
describe('queue consumer retries', () => {
  let h: WorkerHarness
  beforeEach(async () => {
    h = await createWorkerHarness()
  })
  afterEach(() => h.close())

  async function person(name: string) {
    const p = addPerson(h, name, 'UTC')
    const work = h.toggl.addProject(p.togglUser, { name: 'Work' })
    h.toggl.addEntry(p.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const { user } = await connectMapped(
      h,
      p.existToken,
      { togglToken: p.togglToken },
      { [`toggl:${work.id}`]: 'productive_min' },
    )
    return { ...p, user }
  }

  it('retries a failing user with 1, 2, 4, 8 minute delays while acking a healthy one', async () => {
    const healthy = await person('hal')
    const failing = await person('fay')
    // Toggl rejects every request made with Fay's token (a 400 no retry within the run fixes):
    // every run of hers fails, Hal's still work.
    const fay = `Basic ${btoa(`${failing.togglToken}:api_token`)}`
    const outbound = globalThis.fetch
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      if (request.headers.get('Authorization') === fay)
        return Promise.resolve(Response.json({ message: 'Bad request' }, { status: 400 }))
      return outbound(input, init)
    })

    for (const [attempts, delaySeconds] of [
      [1, 60],
      [2, 120],
      [3, 240],
      [4, 480],
    ] as const) {
      const result = await h.deliver([failing.user], { attempts })
      expect(result.retryMessages).toEqual([{ msgId: result.ids[0], delaySeconds }])
      expect(result.explicitAcks).toEqual([])
    }
    const runs = await runsOf(failing.user)
    expect(runs).toHaveLength(4)
    expect(runs.every((r) => r.status === 'error' && r.trigger === 'queue')).toBe(true)
    expect(runs[0]!.error).toMatch(/Toggl Track rejected GET \/me\/time_entries \(HTTP 400\)/)

    const mixed = await h.deliver([failing.user, healthy.user])
    expect(mixed.retryMessages.map((m) => m.msgId)).toEqual([mixed.ids[0]])
    expect(mixed.explicitAcks).toEqual([mixed.ids[1]])
  })

  it('acks what a retry cannot fix: a quota answer, a stopped user, a malformed message', async () => {
    const quota = await person('quinn')
    h.toggl.failNext(1, 402, { 'X-Toggl-Quota-Resets-In': '1200' })
    const deferred = await h.deliver([quota.user])
    expect(deferred.explicitAcks).toEqual(deferred.ids)
    expect(await runsOf(quota.user)).toMatchObject([{ status: 'deferred' }])

    // The next run the schedule would make waits for the quota: skipped, acked, no request.
    h.toggl.resetLog()
    const waiting = await h.deliver([quota.user])
    expect(waiting.explicitAcks).toEqual(waiting.ids)
    expect(h.toggl.requests).toEqual([])

    const batch = createMessageBatch<unknown>(SYNC_QUEUE, [
      { id: 'junk-1', timestamp: new Date(), attempts: 1, body: { user: 'everyone' } },
      { id: 'junk-2', timestamp: new Date(), attempts: 1, body: 'hello' },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, h.env, ctx)
    const junk = await getQueueResult(batch, ctx)
    expect(junk.explicitAcks.sort()).toEqual(['junk-1', 'junk-2'])
  })
})
