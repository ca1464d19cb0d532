/**
 * `npm run bench -- --users N --latency-ms L --concurrency C [--json]`: N synthetic users synced by
 * the real scheduler code (syncAll) three times — first sync, steady state, 10 % changed — against
 * the loopback fakes in a second process; per pass wall time, CPU, RSS, requests and SQLite share.
 * Exits 1 when any user's Exist values differ from the oracle of the tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { DEFAULT_HTTP_POLICY } from '../../src/clients/api-client.ts'
import type { Deps } from '../../src/deps.ts'
import { nodeHttpTransport } from '../../src/entry/node-http.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { createNodeSecretBox } from '../../src/entry/secret-box-node.ts'
import { parseEnv } from '../../src/shared/env.ts'
import { silentLogger } from '../../src/shared/log.ts'
import { DEFAULT_SYNC_CONCURRENCY, scheduledPass } from '../../src/sync/sync-all.ts'
import type { Mismatch, SeededUser } from './bench-fakes.ts'
import { startFakesProcess } from './fakes-process.ts'
import { storeSeededUser } from './seed-users.ts'

const USAGE =
  'usage: npm run bench -- --users N [--latency-ms L] [--concurrency C] [--json] [--profile PASS] [--profile-alloc PASS] [--tamper]'
const SECRET = 'bench-secret-key-0123456789abcdef0123456789abcdef'

interface Pass {
  name: 'first' | 'steady' | 'changed'
  wall_s: number
  users_per_s: number
  cpu_ms_per_user: number
  peak_rss_mb: number
  requests_per_user: { toggl: number; exist: number }
  sqlite_share: number
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function wholeFlag(
  value: string | undefined,
  name: string,
  min: number,
  fallback?: number,
): number {
  if (value === undefined) {
    if (fallback === undefined) fail(`--${name} is required`)
    return fallback
  }
  if (!/^\d+$/.test(value) || Number(value) < min)
    fail(`--${name} must be a whole number ≥ ${min} (got "${value}")`)
  return Number(value)
}

const args = parseFlags()
function parseFlags() {
  try {
    return parseArgs({
      options: {
        users: { type: 'string' },
        'latency-ms': { type: 'string' },
        concurrency: { type: 'string' },
        json: { type: 'boolean', default: false },
        // Writes a CPU profile of that pass alone to bench-<pass>.cpuprofile (scripts/bench/profile-top.mjs reads it).
        profile: { type: 'string' },
        // Writes a sampling profile of what that pass allocated, freed or not, to bench-<pass>.heapprofile (alloc-top.mjs reads it).
        'profile-alloc': { type: 'string' },
        // Self-check: after the first pass one Exist value is edited behind Timebridge's back, so the run must fail.
        tamper: { type: 'boolean', default: false },
      },
      strict: true,
    }).values
  } catch (error) {
    fail((error as Error).message)
  }
}
const users = wholeFlag(args.users, 'users', 1)
const latencyMs = wholeFlag(args['latency-ms'], 'latency-ms', 0, 50)
const concurrency = wholeFlag(args.concurrency, 'concurrency', 1, DEFAULT_SYNC_CONCURRENCY)
for (const flag of ['profile', 'profile-alloc'] as const) {
  const pass = args[flag]
  if (pass !== undefined && !['first', 'steady', 'changed'].includes(pass))
    fail(`--${flag} must be first, steady or changed (got "${pass}")`)
}
const say = (line: string) => {
  if (!args.json) process.stdout.write(`${line}\n`)
}

/**
 * Time the main thread spends inside better-sqlite3 (preparing and running statements, waiting for
 * the disk), to tell SQLite from the rest. better-sqlite3 is synchronous, so these never overlap;
 * the share is of the pass's wall time. (process.cpuUsage per call would cost more than SQLite.)
 */
function timeSqlite(client: { prepare(sql: string): unknown }) {
  const spent = { ms: 0 }
  // `arguments`, not a rest array: V8 passes it through without copying, so the timing allocates
  // nothing in the process it measures.
  const timed = <F extends (...a: never[]) => unknown>(fn: F) =>
    function (this: unknown) {
      const t0 = performance.now()
      // biome-ignore lint/complexity/noArguments: see above
      const result = fn.apply(this, arguments as unknown as Parameters<F>)
      spent.ms += performance.now() - t0
      return result
    }
  const statement = Object.getPrototypeOf(client.prepare('select 1')) as Record<
    string,
    (...a: never[]) => unknown
  >
  for (const method of ['run', 'get', 'all'] as const) statement[method] = timed(statement[method]!)
  client.prepare = timed(client.prepare.bind(client) as (sql: string) => unknown)
  return spent
}

// The fakes run in their own process, so this process's CPU and memory are the app's alone.
const fakes = await startFakesProcess({
  script: new URL(import.meta.url).pathname.replace(/bench\.(ts|js)$/, 'bench-fakes.$1'),
  latencyMs,
  // Profile and size only the measured process: the fakes hold every user's entries, more than
  // the heap limit `npm start` runs with (package.json) allows.
  execArgv: process.execArgv.filter(
    (a) => !/^--(cpu-prof|max-old-space-size|max-semi-space-size)/.test(a),
  ),
})
const dir = mkdtempSync(join(tmpdir(), 'timebridge-bench-'))
let exitCode = 0
try {
  const { db, close } = openSqlite(join(dir, 'bench.db'))
  const sqlite = timeSqlite(
    (db as unknown as { $client: { prepare(sql: string): unknown } }).$client,
  )
  const deps: Deps = {
    db,
    config: parseEnv({
      DATABASE_PATH: join(dir, 'bench.db'),
      SECRET_KEY: SECRET,
      TOGGL_URL: fakes.urls.toggl,
      EXIST_URL: fakes.urls.exist,
    }),
    box: createNodeSecretBox(SECRET),
    now: () => Date.now(),
    transport: nodeHttpTransport(),
    http: DEFAULT_HTTP_POLICY,
    log: silentLogger,
  }

  // Users are stored through the same use-case `connect` ends in, and mapped with the same statements
  // `map` writes (their tokens, profiles and attributes were checked and acquired in the fakes).
  const seedStart = performance.now()
  for (let from = 0; from < users; from += 1000) {
    const batch = await fakes.ask<SeededUser[]>({
      op: 'seed',
      from,
      to: Math.min(users, from + 1000),
    })
    for (const u of batch) await storeSeededUser(deps, u)
  }
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`
  const memory = () => {
    // With --expose-gc, what is really held rather than what the collector has yet to free.
    ;(globalThis as { gc?: () => void }).gc?.()
    const m = process.memoryUsage()
    return `RSS ${mb(m.rss)} (heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)})`
  }
  say(`after seeding: ${memory()}`)
  say(
    `seeded ${users} users in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (latency ${latencyMs} ms, concurrency ${concurrency})`,
  )

  const passes: Pass[] = []
  const runPass = async (name: Pass['name']) => {
    if (name === 'changed') await fakes.ask({ op: 'change', every: 10 })
    await fakes.ask({ op: 'reset-counts' })
    // The peak, and V8's heap at that moment: what an operator would tune (README "Capacity").
    let peak = process.memoryUsage()
    const sampler = setInterval(() => {
      const now = process.memoryUsage()
      if (now.rss > peak.rss) peak = now
    }, 100)
    const profiler = args.profile === name ? new Session() : undefined
    if (profiler) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const allocations = args['profile-alloc'] === name ? new Session() : undefined
    if (allocations) {
      allocations.connect()
      // Objects already collected count too: short-lived garbage is what makes the heap grow.
      await allocations.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as { samplingInterval: number })
    }
    // Time in garbage collection, scavenges (young objects) apart from full collections.
    const gc = { minor: 0, major: 0 }
    const gcWatch = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor += e.duration
        else gc.major += e.duration
      }
    })
    gcWatch.observe({ entryTypes: ['gc'] })
    const sqliteBefore = sqlite.ms
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    const outcome = await scheduledPass(deps, { concurrency })
    const wall = (performance.now() - t0) / 1000
    const used = process.cpuUsage(cpu)
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(`bench-${name}.cpuprofile`, JSON.stringify(profile))
      profiler.disconnect()
      say(`CPU profile of the ${name} pass: bench-${name}.cpuprofile`)
    }
    if (allocations) {
      const { profile } = await allocations.post('HeapProfiler.stopSampling')
      writeFileSync(`bench-${name}.heapprofile`, JSON.stringify(profile))
      allocations.disconnect()
      say(`allocation profile of the ${name} pass: bench-${name}.heapprofile`)
    }
    clearInterval(sampler)
    gcWatch.disconnect()
    const counts = await fakes.ask<{ toggl: number; exist: number }>({ op: 'counts' })
    const cpuMs = (used.user + used.system) / 1000
    const notOk = outcome.users - (outcome.statuses.ok ?? 0)
    if (notOk > 0 || outcome.users !== users) {
      exitCode = 1
      process.stderr.write(
        `bench: in the ${name} pass ${outcome.users} of ${users} users ran, ${notOk} did not end ok: ${JSON.stringify(outcome.statuses)}${outcome.firstError ? ` (${outcome.firstError})` : ''}\n`,
      )
    }
    const check = await fakes.ask<{
      checked: number
      mismatches: Mismatch[]
      mismatched_users: number
    }>({ op: 'verify', syncDays: deps.config.syncDays })
    if (check.mismatched_users > 0) {
      exitCode = 1
      process.stderr.write(
        `bench: after the ${name} pass ${check.mismatched_users} users differ from the truth, e.g. ${JSON.stringify(check.mismatches.slice(0, 3))}\n`,
      )
    }
    const round = (x: number, digits: number) => Number(x.toFixed(digits))
    const share = (ms: number) => ((100 * ms) / (wall * 1000)).toFixed(1)
    const pass: Pass = {
      name,
      wall_s: round(wall, 2),
      users_per_s: round(users / wall, 1),
      cpu_ms_per_user: round(cpuMs / users, 3),
      peak_rss_mb: round(peak.rss / 2 ** 20, 1),
      requests_per_user: {
        toggl: round(counts.toggl / users, 3),
        exist: round(counts.exist / users, 3),
      },
      sqlite_share: round((sqlite.ms - sqliteBefore) / (wall * 1000), 3),
    }
    passes.push(pass)
    say(
      `${name.padEnd(8)} ${pass.wall_s.toFixed(2)} s wall, ${pass.users_per_s} users/s, ${pass.cpu_ms_per_user} ms CPU/user, ` +
        `peak RSS ${pass.peak_rss_mb} MB (V8 heap ${mb(peak.heapUsed)} used of ${mb(peak.heapTotal)}), per user ${pass.requests_per_user.toggl} Toggl + ${pass.requests_per_user.exist} Exist requests, ` +
        `SQLite ${(pass.sqlite_share * 100).toFixed(1)} % of the time, GC ${share(gc.minor)} + ${share(gc.major)} % (scavenges + full); ${check.checked} user-days checked, ${check.mismatched_users} users off`,
    )
  }
  await runPass('first')
  say(`after the first pass: ${memory()}`)
  if (args.tamper) await fakes.ask({ op: 'tamper' })
  await runPass('steady')
  await runPass('changed')
  close()
  if (args.json)
    process.stdout.write(
      `${JSON.stringify({ users, latency_ms: latencyMs, concurrency, passes })}\n`,
    )
} finally {
  await fakes.ask({ op: 'stop' }).catch(() => {})
  fakes.child.kill()
  rmSync(dir, { recursive: true, force: true })
}
process.exitCode = exitCode
