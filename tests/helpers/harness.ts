/** A real Timebridge stack for tests: SQLite file, loopback fake Toggl and Exist, a movable clock. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HttpTransport } from '../../src/clients/http-transport.ts'
import type { Deps } from '../../src/deps.ts'
import { nodeHttpTransport } from '../../src/entry/node-http.ts'
import { nodeProcessProbe } from '../../src/entry/node-process.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { parseEnv } from '../../src/shared/env.ts'
import { type Logger, silentLogger } from '../../src/shared/log.ts'
import { createSecretBox } from '../../src/shared/secret-box.ts'
import { FakeClockify, FakeExist, FakeToggl, NetworkFaults, serveFake } from '../fakes/index.ts'

export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789abcdef'

export interface Harness {
  deps: Deps
  clock: { now: number }
  toggl: FakeToggl
  exist: FakeExist
  clockify: FakeClockify
  urls: { toggl: string; exist: string; clockify: string }
  dir: string
  dbPath: string
  /** Network faults in front of each fake (only with `net: true`). */
  net: { toggl: NetworkFaults; exist: NetworkFaults; clockify: NetworkFaults }
  advance(ms: number): void
  close(): Promise<void>
}

type FetchHandler = (req: Request, env?: unknown) => Response | Promise<Response>

export async function createHarness(
  opts: {
    now?: string | number
    env?: Record<string, string>
    /** Puts a handler in front of a fake (still served over loopback), e.g. to answer with hostile responses. */
    wrap?: (service: 'toggl' | 'exist' | 'clockify', fetch: FetchHandler) => FetchHandler
    log?: Logger
    /** Network faults (delays, resets, lost answers) in front of each fake, as `h.net`. */
    net?: boolean
  } = {},
): Promise<Harness> {
  const clock = {
    now:
      typeof opts.now === 'string'
        ? Date.parse(opts.now)
        : (opts.now ?? Date.parse('2026-11-20T12:00:00Z')),
  }
  const toggl = new FakeToggl({ now: () => clock.now })
  const exist = new FakeExist({ now: () => clock.now })
  const clockify = new FakeClockify({ now: () => clock.now })
  const net = {
    toggl: new NetworkFaults(),
    exist: new NetworkFaults(),
    clockify: new NetworkFaults(),
  }
  const wrap = (
    service: 'toggl' | 'exist' | 'clockify',
    faults: NetworkFaults,
    handler: FetchHandler,
  ) => {
    const inner = opts.wrap ? opts.wrap(service, handler) : handler
    return opts.net ? faults.wrap(inner) : inner
  }
  const [togglServer, existServer, clockifyServer] = await Promise.all([
    serveFake(wrap('toggl', net.toggl, toggl.fetch)),
    serveFake(wrap('exist', net.exist, exist.fetch)),
    serveFake(wrap('clockify', net.clockify, clockify.fetch)),
  ])
  const dir = mkdtempSync(join(tmpdir(), 'timebridge-test-'))
  const dbPath = join(dir, 'timebridge.db')
  const config = parseEnv({
    DATABASE_PATH: dbPath,
    SECRET_KEY: TEST_SECRET,
    TOGGL_URL: togglServer.url,
    EXIST_URL: existServer.url,
    CLOCKIFY_URL: clockifyServer.url,
    ...opts.env,
  })
  const { db, close } = openSqlite(dbPath)
  const deps: Deps = {
    db,
    config,
    box: await createSecretBox(TEST_SECRET),
    now: () => clock.now,
    transport: regionalHostsTo(clockifyServer.url, nodeHttpTransport()),
    http: { timeoutMs: 2_000, retries: 2, retryBaseMs: 5 },
    log: opts.log ?? silentLogger,
    processes: nodeProcessProbe(),
  }
  return {
    deps,
    clock,
    toggl,
    exist,
    clockify,
    net,
    urls: { toggl: togglServer.url, exist: existServer.url, clockify: clockifyServer.url },
    dir,
    dbPath,
    advance: (ms) => {
      clock.now += ms
    },
    async close() {
      close()
      await Promise.all([togglServer.close(), existServer.close(), clockifyServer.close()])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const HOUR = 3_600_000
export const MINUTE = 60_000
export const DAY = 24 * HOUR

/**
 * Clockify's regional hosts (euc1.clockify.me …) resolve to the loopback fake, which learns the
 * host from X-Forwarded-Host — the test's stand-in for DNS, so region routing is still exercised.
 */
export function regionalHostsTo(fakeUrl: string, transport: HttpTransport): HttpTransport {
  return (req) => {
    const url = new URL(req.url)
    if (!/^(euc1|use2|euw2|apse2)\.clockify\.me$/.test(url.host)) return transport(req)
    return transport({
      ...req,
      url: new URL(url.pathname + url.search, fakeUrl).href,
      headers: { ...req.headers, 'X-Forwarded-Host': url.host },
    })
  }
}
