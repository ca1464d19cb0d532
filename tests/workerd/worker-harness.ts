/** Drives the real Worker entry inside workerd: D1 with drizzle/ applied, fake Toggl and Exist served in this isolate, a pinned clock. */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { vi } from 'vitest'
import type { Deps } from '../../src/deps.ts'
import worker, { type WorkerEnv } from '../../src/entry/worker.ts'
import { workerDeps } from '../../src/entry/worker-deps.ts'
import { FakeClockify } from '../fakes/fake-clockify.ts'
import { FakeExist } from '../fakes/fake-exist.ts'
import { FakeToggl } from '../fakes/fake-toggl.ts'

export const SYNC_QUEUE = 'timebridge-sync'
export const HOUR = 3_600_000
export const DAY = 24 * HOUR

// A Worker cannot listen on a socket, so the fakes answer here: the Worker's outbound fetch to
// these origins is handed to the fakes' Hono apps as real Request objects; anything else goes out.
const TOGGL_ORIGIN = 'http://toggl.fake.test'
const EXIST_ORIGIN = 'http://exist.fake.test'
const CLOCKIFY_ORIGIN = 'http://clockify.fake.test'
// Clockify's regional hosts reach the same fake, which tells the regions apart by host.
const CLOCKIFY_REGIONAL = /^https:\/\/(euc1|use2|euw2|apse2)\.clockify\.me$/

const TABLES = [
  'history_imports',
  'exist_values',
  'rate_limits',
  'user_data',
  'runs',
  'mappings',
  'attributes',
  'projects',
  'source_connections',
  'users',
]

export interface WorkerHarness {
  /** The Worker's env, with Toggl and Exist pointed at the in-isolate fakes. */
  env: WorkerEnv
  /** The very deps the Worker builds for that env (connect, map, zero-out go through them). */
  deps: Deps
  toggl: FakeToggl
  exist: FakeExist
  clockify: FakeClockify
  advance(ms: number): void
  /** Delivers one message per user (attempt `attempts`) to the Worker's queue handler. */
  deliver(
    users: number[],
    opts?: { attempts?: number; bodies?: unknown[]; queue?: Queue<unknown> },
  ): Promise<FetcherQueueResult & { ids: string[] }>
  /** Runs the Worker's scheduled handler with the given queue as SYNC_QUEUE. */
  schedule(queue: Queue<unknown>): Promise<void>
  close(): Promise<void>
}

export async function createWorkerHarness(opts: { now?: string } = {}): Promise<WorkerHarness> {
  // Only Date is faked: timers stay real so fetch timeouts and retries behave as deployed.
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(Date.parse(opts.now ?? '2026-11-20T12:00:00Z'))
  const toggl = new FakeToggl({ now: () => Date.now() })
  const exist = new FakeExist({ now: () => Date.now() })
  const clockify = new FakeClockify({ now: () => Date.now() })
  const outbound = globalThis.fetch
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const origin = new URL(request.url).origin
    if (origin === TOGGL_ORIGIN) return Promise.resolve(toggl.fetch(request))
    if (origin === EXIST_ORIGIN) return Promise.resolve(exist.fetch(request))
    if (origin === CLOCKIFY_ORIGIN || CLOCKIFY_REGIONAL.test(origin))
      return Promise.resolve(clockify.fetch(request))
    return outbound(input, init)
  })
  await clearTables()
  const testEnv: WorkerEnv = {
    ...env,
    TOGGL_URL: TOGGL_ORIGIN,
    EXIST_URL: EXIST_ORIGIN,
    CLOCKIFY_URL: CLOCKIFY_ORIGIN,
  }
  const deps = await workerDeps(testEnv)
  let seq = 0

  return {
    env: testEnv,
    deps,
    toggl,
    exist,
    clockify,
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    async deliver(users, { attempts = 1, bodies, queue } = {}) {
      const messages = (bodies ?? users.map((user) => ({ user }))).map((body) => ({
        id: `msg-${++seq}`,
        timestamp: new Date(),
        attempts,
        body,
      }))
      const batch = createMessageBatch(SYNC_QUEUE, messages)
      const ctx = createExecutionContext()
      // getQueueResult reports which messages were retried but drops the delay asked for, so the
      // handler gets the batch through a view that notes it.
      const delays = new Map<string, number | undefined>()
      const view: MessageBatch<unknown> = {
        queue: batch.queue,
        metadata: batch.metadata,
        messages: batch.messages.map((m) => ({
          id: m.id,
          timestamp: m.timestamp,
          body: m.body,
          attempts: m.attempts,
          ack: () => m.ack(),
          retry: (options?: QueueRetryOptions) => {
            delays.set(m.id, options?.delaySeconds)
            m.retry(options)
          },
        })),
        ackAll: () => batch.ackAll(),
        retryAll: (options?: QueueRetryOptions) => batch.retryAll(options),
      }
      await worker.queue(view, queue ? { ...testEnv, SYNC_QUEUE: queue } : testEnv, ctx)
      const result = await getQueueResult(batch, ctx)
      return {
        ...result,
        retryMessages: result.retryMessages.map((r) => ({
          ...r,
          delaySeconds: delays.get(r.msgId),
        })),
        ids: messages.map((m) => m.id),
      }
    },
    async schedule(queue) {
      const ctx = createExecutionContext()
      await worker.scheduled(
        createScheduledController({ cron: '40 * * * *' }),
        { ...testEnv, SYNC_QUEUE: queue },
        ctx,
      )
      await waitOnExecutionContext(ctx)
    },
    async close() {
      vi.unstubAllGlobals()
      vi.useRealTimers()
    },
  }
}

/** Each test starts from empty tables (children first: D1 enforces the foreign keys). */
export async function clearTables(): Promise<void> {
  await env.DB.batch(TABLES.map((t) => env.DB.prepare(`DELETE FROM ${t}`)))
}

/** What the runs table holds for a user, newest first. */
export async function runsOf(
  user: number,
): Promise<{ trigger: string; status: string; error: string | null }[]> {
  const { results } = await env.DB.prepare(
    'SELECT trigger, status, error FROM runs WHERE user_id = ? ORDER BY id DESC',
  )
    .bind(user)
    .all<{ trigger: string; status: string; error: string | null }>()
  return results
}
