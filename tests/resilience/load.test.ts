/**
 * Load: while the real `sync` process runs for every user (loopback fakes in their own process), concurrent clients load
 * the status and mapping pages from the real server process: no errors, every page the signed-in
 * one, p50/p99 reported, and Exist equals the truth afterwards. Small here; TIMEBRIDGE_LONG=1
 * (`npm run test:long`) runs 1,000 users, 200 clients, 30 s.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import { afterAll, describe, expect, it } from 'vitest'
import type { SeededUser } from '../../scripts/bench/bench-fakes.ts'
import { startFakesProcess } from '../../scripts/bench/fakes-process.ts'
import { storeSeededUser } from '../../scripts/bench/seed-users.ts'
import { DEFAULT_HTTP_POLICY } from '../../src/clients/api-client.ts'
import type { Deps } from '../../src/deps.ts'
import { nodeHttpTransport } from '../../src/entry/node-http.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { parseEnv } from '../../src/shared/env.ts'
import { silentLogger } from '../../src/shared/log.ts'
import { createSecretBox } from '../../src/shared/secret-box.ts'
import { freePort } from '../helpers/web-stack.ts'

const LONG = process.env.TIMEBRIDGE_LONG === '1'
const SIZE = LONG
  ? { users: 1000, clients: 200, seconds: 30 }
  : { users: 50, clients: 20, seconds: 3 }
/** Signed-in browsers whose cookies the clients share (the sign-in limit allows 10 a minute per address). */
const BROWSERS = 5
const ROOT = resolve(import.meta.dirname, '../..')
const SECRET = 'load-secret-key-0123456789abcdef0123456789abcdef'

interface Proc {
  child: ChildProcess
  stdout: string
  stderr: string
  exited: Promise<number | null>
}

/** The CLI from source, as `npm run cli` would run it (tsx), with `env` added. */
function cli(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const proc: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code) => done(code))),
  }
  child.stdout!.on('data', (d) => (proc.stdout += d))
  child.stderr!.on('data', (d) => {
    // The server logs a line per run; keep the tail for a failure message.
    proc.stderr = (proc.stderr + d).slice(-20_000)
  })
  return proc
}

const children: Proc[] = []
let fakesChild: ChildProcess | undefined
const dir = mkdtempSync(join(tmpdir(), 'timebridge-load-'))
afterAll(async () => {
  if (fakesChild && fakesChild.exitCode === null) fakesChild.kill('SIGKILL')
  for (const p of children) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(children.map((p) => p.exited))
  rmSync(dir, { recursive: true, force: true })
})

describe('load', () => {
  it(`${SIZE.clients} clients load status and mapping pages for ${SIZE.seconds} s while ${SIZE.users} users sync`, {
    timeout: LONG ? 900_000 : 120_000,
  }, async () => {
    const wall0 = performance.now()
    // Fakes in a process of their own (no added latency), so this one only runs the clients;
    // users stored as `connect` and `map` would.
    const fakes = await startFakesProcess({
      script: join(ROOT, 'scripts/bench/bench-fakes.ts'),
      latencyMs: 0,
      execArgv: ['--import', 'tsx'],
    })
    fakesChild = fakes.child
    const dbPath = join(dir, 'timebridge.db')
    const env = {
      DATABASE_PATH: dbPath,
      SECRET_KEY: SECRET,
      TOGGL_URL: fakes.urls.toggl,
      EXIST_URL: fakes.urls.exist,
      SYNC_SCHEDULE: '0 3 1 1 *',
    }
    const seeded = await fakes.ask<SeededUser[]>({ op: 'seed', from: 0, to: SIZE.users })
    {
      const { db, close } = openSqlite(dbPath)
      const deps: Deps = {
        db,
        config: parseEnv(env),
        box: await createSecretBox(SECRET),
        now: () => Date.now(),
        transport: nodeHttpTransport(),
        http: DEFAULT_HTTP_POLICY,
        log: silentLogger,
      }
      for (const u of seeded) await storeSeededUser(deps, u)
      close()
    }

    const port = await freePort()
    // An address, not `localhost`: with the name, some connections stalled for 10 s steps when the
    // machine was busy (name lookups on every connect); loopback only either way.
    const base = `http://127.0.0.1:${port}`
    const server = cli(['serve'], { ...env, PORT: String(port) })
    children.push(server)
    await waitFor(() => server.stdout.includes('Timebridge is running at'), server, 30_000)

    // Sign in through the real form.
    const cookies: string[] = []
    for (const u of seeded.slice(0, BROWSERS)) {
      const page = await fetch(`${base}/signin`)
      const anon = page.headers.getSetCookie()[0]!.split(';')[0]!
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!
      const signed = await fetch(`${base}/signin/token`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: anon, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, existToken: u.existToken }),
      })
      expect(signed.status).toBe(303)
      cookies.push(
        signed.headers
          .getSetCookie()
          .find((c) => c.startsWith('tb_session='))!
          .split(';')[0]!,
      )
    }

    // Sync every user in its own process, again and again until the load is over.
    const passes: { wall_s: number; ok: number; users: number }[] = []
    let loading = true
    const syncing = (async () => {
      do {
        const t0 = performance.now()
        const sync = cli(['sync', '--json'], env)
        children.push(sync)
        const code = await sync.exited
        expect(code, sync.stderr).toBe(0)
        const reports = (JSON.parse(sync.stdout) as { users: { status: string }[] }).users
        passes.push({
          wall_s: (performance.now() - t0) / 1000,
          ok: reports.filter((r) => r.status === 'ok').length,
          users: reports.length,
        })
      } while (loading)
    })()

    let next = 0
    const result = await autocannon({
      url: base,
      connections: SIZE.clients,
      duration: SIZE.seconds,
      timeout: 10,
      // Each request as one of the signed-in browsers, in turn.
      requests: ['/status', '/mapping'].map((path) => ({
        path,
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          headers: { ...req.headers, cookie: cookies[next++ % cookies.length]! },
        }),
      })),
      // Signed-in pages only: a sign-in page or an error page would count as a mismatch.
      verifyBody: (body) => body?.includes('action="/signout"') ?? false,
    })
    loading = false
    const firstSyncRunning = passes.length === 0
    await syncing
    const check = await fakes.ask<{ mismatched_users: number; mismatches: unknown[] }>({
      op: 'verify',
      syncDays: 14,
    })
    await fakes.ask({ op: 'stop' })

    const summary = {
      users: SIZE.users,
      clients: SIZE.clients,
      seconds: SIZE.seconds,
      requests: result.requests.total,
      requests_per_s: result.requests.average,
      latency_ms: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      first_sync_still_running_at_end_of_load: firstSyncRunning,
      sync_passes: passes.map((p) => ({ ...p, wall_s: Number(p.wall_s.toFixed(1)) })),
      wall_s: Number(((performance.now() - wall0) / 1000).toFixed(1)),
    }
    console.log(`load: ${JSON.stringify(summary)}`)

    expect(result.requests.total).toBeGreaterThan(SIZE.clients)
    expect(result.errors, server.stderr).toBe(0)
    expect(result.timeouts).toBe(0)
    expect(result.non2xx).toBe(0)
    expect(result.mismatches).toBe(0)
    for (const pass of passes) expect(pass.ok).toBe(SIZE.users)
    expect(check.mismatched_users, JSON.stringify(check.mismatches)).toBe(0)
  })
})

async function waitFor(ready: () => boolean, proc: Proc, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!ready()) {
    if (proc.child.exitCode !== null) throw new Error(`the process exited: ${proc.stderr}`)
    if (Date.now() > until) throw new Error(`not ready after ${ms} ms: ${proc.stderr}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
