/** wrangler.toml as wrangler reads it, and `wrangler deploy --dry-run` builds the bundle. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { unstable_readConfig } from 'wrangler'
import { parseEnv } from '../../src/shared/env.ts'
import { retryDelaySeconds, SEND_BATCH_MAX } from '../../src/sync/sync-jobs.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const config = unstable_readConfig({ config: join(root, 'wrangler.toml') })
// wrangler's published types leave these loose; this is the part of them the tests read.
interface QueueConsumer {
  queue: string
  max_batch_size?: number
  max_retries?: number
  dead_letter_queue?: string
}
const producers: { binding: string; queue: string }[] = config.queues.producers ?? []
const consumers: QueueConsumer[] = config.queues.consumers ?? []

/** wrangler.toml as wrangler itself reads it: what the deployed Worker gets. */
describe('wrangler.toml', () => {
  it('binds D1 to the same migrations drizzle applies on Node', () => {
    expect(config.main).toBe(join(root, 'src/entry/worker.ts'))
    expect(config.d1_databases).toMatchObject([{ binding: 'DB', migrations_dir: 'drizzle' }])
    expect(config.compatibility_flags).not.toContain('nodejs_compat')
  })

  it('serves the web UI stylesheet and script from public/, as the Node server does', () => {
    expect(join(root, config.assets!.directory!)).toBe(join(root, 'public'))
  })

  it('runs the schedule at minute 40, as SYNC_SCHEDULE says to the app', () => {
    expect(config.triggers.crons).toEqual(['40 * * * *'])
    expect(parseEnv(config.vars).syncSchedule).toBe(config.triggers.crons[0])
  })

  it('declares no secret as a plain var', () => {
    for (const name of ['SECRET_KEY', 'EXIST_CLIENT_ID', 'EXIST_CLIENT_SECRET'])
      expect(config.vars).not.toHaveProperty(name)
  })

  it('dead-letters a job after max_retries, with every retry done before the next hourly run', () => {
    const producer = producers.find((p) => p.binding === 'SYNC_QUEUE')
    expect(producer).toBeDefined()
    const consumer = consumers.find((c) => c.queue === producer!.queue)
    expect(consumer).toMatchObject({ max_retries: 3, dead_letter_queue: 'timebridge-sync-failed' })
    expect(consumer!.max_batch_size).toBeLessThanOrEqual(SEND_BATCH_MAX)
    // Nothing consumes the dead-letter queue: its messages stay there for the operator to read.
    expect(consumers.map((c) => c.queue)).not.toContain(consumer!.dead_letter_queue)

    const attempts = Array.from({ length: consumer!.max_retries! }, (_, i) => i + 1)
    const waited = attempts.reduce((total, attempt) => total + retryDelaySeconds(attempt), 0)
    expect(waited).toBe(60 + 120 + 240)
    expect(waited).toBeLessThan(3600)
  })
})

describe('wrangler deploy --dry-run', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'timebridge-worker-'))
  afterAll(() => rmSync(outdir, { recursive: true, force: true }))

  it('bundles the Worker for Workers without Node polyfills', { timeout: 120_000 }, () => {
    const run = spawnSync(
      join(root, 'node_modules/.bin/wrangler'),
      ['deploy', '--dry-run', '--outdir', outdir],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      },
    )
    expect(run.status, run.stderr + run.stdout).toBe(0)
    expect(run.stdout).toMatch(/--dry-run: exiting now/)
    expect(run.stdout).toMatch(/env\.DB \(timebridge\)\s+D1 Database/)
    expect(run.stdout).toMatch(/env\.SYNC_QUEUE \(timebridge-sync\)\s+Queue/)

    const bundle = readFileSync(join(outdir, 'worker.js'))
    const gzip = gzipSync(bundle).length
    // Measured at 780 KiB raw / 200 KiB gzip with the web UI; Workers allow 3 MiB (Free) and 10 MiB (Paid) gzipped.
    expect(bundle.length).toBeLessThan(1024 * 1024)
    expect(gzip).toBeLessThan(256 * 1024)
    console.info(
      `worker bundle: ${(bundle.length / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`,
    )
  })
})
