/** Sync jobs on a queue: the schedule enqueues one message per due user, the consumer runs syncUser for each and says which to retry. */
import pLimit from 'p-limit'
import { z } from 'zod'
import { InputError } from '../core/input-error.ts'
import type { Deps } from '../deps.ts'
import { dueImports } from '../store/history-store.ts'
import { runHistoryImport } from './history-import.ts'
import { dueUsers } from './sync-all.ts'
import { syncUser } from './sync-user.ts'

export const SyncJob = z.object({ user: z.number().int().positive() })
export type SyncJob = z.infer<typeof SyncJob>
/** One chunk of a user's history import (the queue carries both kinds; strict, so neither is mistaken for the other). */
export const ImportJob = z.strictObject({ importUser: z.number().int().positive() })
export type ImportJob = z.infer<typeof ImportJob>
export type QueueJob = SyncJob | ImportJob

/** What the schedule needs of a queue (Cloudflare's `Queue` binding fits). */
export interface JobProducer {
  sendBatch(messages: Iterable<{ body: QueueJob; contentType?: 'json' }>): Promise<unknown>
}

/** What the consumer needs of a delivered message (Cloudflare's `Message` fits). */
export interface JobMessage {
  readonly id: string
  readonly body: unknown
  /** 1 on first delivery. */
  readonly attempts: number
  ack(): void
  retry(options?: { delaySeconds?: number }): void
}

/** Cloudflare Queues take at most 100 messages per sendBatch. */
export const SEND_BATCH_MAX = 100
/** Due users are read this many at a time, so memory stays flat however many users there are. */
const DUE_PAGE = 5_000
/** Workers allow 6 simultaneous outgoing connections per invocation; more would only wait. */
export const JOB_CONCURRENCY = 6
/**
 * A queue takes 5,000 messages per second; past that sendBatch throws "Too Many Requests". A full
 * batch at most every 25 ms is 4,000 per second: 100,000 users are enqueued in 25 seconds.
 */
const SEND_INTERVAL_MS = 25

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Enqueues every due user once, paced under the queue's throughput limit. A batch that fails is
 * sent once more after a second (should the first attempt have landed after all, the user's second
 * run finds nothing to write); one that fails again does not stop the others: the schedule fails
 * at the end so the platform shows it, and the users it missed go next hour.
 */
export async function enqueueDueUsers(
  deps: Deps,
  producer: JobProducer,
): Promise<{ enqueued: number }> {
  let afterId = 0
  let enqueued = 0
  const failures: string[] = []
  for (;;) {
    const ids = await dueUsers(deps, { afterId, limit: DUE_PAGE })
    for (let i = 0; i < ids.length; i += SEND_BATCH_MAX) {
      const chunk = ids.slice(i, i + SEND_BATCH_MAX)
      const messages = chunk.map((user) => ({ body: { user }, contentType: 'json' as const }))
      const [sent] = await Promise.all([
        sendWithOneRetry(producer, messages),
        sleep(SEND_INTERVAL_MS),
      ])
      if (sent === true) enqueued += chunk.length
      else failures.push(`users ${chunk[0]}–${chunk.at(-1)}: ${sent}`)
    }
    if (ids.length < DUE_PAGE) break
    afterId = ids.at(-1)!
  }
  deps.log.info('sync_jobs_enqueued', { enqueued, failed_batches: failures.length })
  if (failures.length > 0) {
    throw new Error(
      `Could not enqueue ${failures.length} batch(es) of sync jobs: ${failures.join('; ')}`,
    )
  }
  return { enqueued }
}

/** true, or why the batch could not be sent. */
async function sendWithOneRetry(
  producer: JobProducer,
  messages: { body: QueueJob; contentType: 'json' }[],
): Promise<true | string> {
  try {
    await producer.sendBatch(messages)
    return true
  } catch {
    await sleep(1_000)
    try {
      await producer.sendBatch(messages)
      return true
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }
}

export type JobOutcome = 'ack' | 'retry'

/**
 * Runs one syncUser per message (a user once per batch even if delivered twice) and acks or retries
 * each. Retried: runs that ended in `error` and crashes; after the queue's max_retries the platform
 * moves the message to the dead-letter queue. Acked: everything else — a quota or an outage
 * (`deferred`) waits for the next hourly run, a stopped or deleted user has nothing to do, and
 * `skipped` means another run for that user holds the lease right now.
 */
export async function consumeSyncJobs(
  deps: Deps,
  messages: readonly JobMessage[],
  opts: { concurrency?: number; producer?: JobProducer } = {},
): Promise<Map<string, JobOutcome>> {
  const outcomes = new Map<string, JobOutcome>()
  const limit = pLimit(opts.concurrency ?? JOB_CONCURRENCY)
  const claimed = new Set<number>()
  await Promise.all(
    messages.map((message) =>
      limit(async () => {
        const outcome = ImportJob.safeParse(message.body).success
          ? await consumeImport(deps, message, opts.producer)
          : await consumeOne(deps, message, claimed)
        if (outcome === 'ack') message.ack()
        else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
        outcomes.set(message.id, outcome)
      }),
    ),
  )
  return outcomes
}

async function consumeOne(
  deps: Deps,
  message: JobMessage,
  claimed: Set<number>,
): Promise<JobOutcome> {
  const job = SyncJob.safeParse(message.body)
  if (!job.success) {
    // Retrying a message that can never parse would only fill the dead-letter queue later.
    deps.log.error('sync_job_malformed', { message: message.id })
    return 'ack'
  }
  const { user } = job.data
  if (claimed.has(user)) return 'ack'
  claimed.add(user)
  try {
    const report = await syncUser(deps, user, 'queue')
    if (report.status !== 'error') return 'ack'
    deps.log.warn('sync_job_failed', { user, attempt: message.attempts, error: report.error })
    return 'retry'
  } catch (error) {
    if (error instanceof InputError && error.field === 'user') {
      // Disconnected between enqueue and delivery: nothing of theirs is left to sync.
      deps.log.info('sync_job_user_gone', { user })
      return 'ack'
    }
    deps.log.error('sync_job_crashed', { user, attempt: message.attempts, error: String(error) })
    return 'retry'
  }
}

/**
 * One chunk of the user's history import per message. When the chunk went through and there is
 * more, the next chunk goes back on the queue at once; when this hour's share of the quotas is
 * spent, the hourly schedule enqueues it again (enqueueDueImports). Busy (another runner holds it): retried.
 */
async function consumeImport(
  deps: Deps,
  message: JobMessage,
  producer?: JobProducer,
): Promise<JobOutcome> {
  const { importUser } = ImportJob.parse(message.body)
  try {
    const { outcome } = await runHistoryImport(deps, importUser, { maxChunks: 1 })
    if (outcome === 'busy') return 'retry'
    if (outcome === 'chunk' && producer) {
      await producer.sendBatch([{ body: { importUser }, contentType: 'json' }])
    }
    return 'ack'
  } catch (error) {
    deps.log.error('import_job_crashed', { user: importUser, error: String(error) })
    return 'retry'
  }
}

/** The hourly schedule's second part (after the sync jobs, which keep priority): one message per import whose budget is free again. */
export async function enqueueDueImports(deps: Deps, producer: JobProducer): Promise<number> {
  const ids = await dueImports(deps.db, deps.now())
  for (let i = 0; i < ids.length; i += SEND_BATCH_MAX) {
    const chunk = ids.slice(i, i + SEND_BATCH_MAX)
    await producer.sendBatch(
      chunk.map((importUser) => ({ body: { importUser }, contentType: 'json' as const })),
    )
  }
  return ids.length
}

/** 1, 2, 4, 8… minutes, capped at 15: retries settle well before the next hourly run. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(60 * 2 ** Math.max(0, attempts - 1), 15 * 60)
}
