/** The whole web stack on loopback: fake Toggl and Exist (with an OAuth client), a temp SQLite, and the real Node server. */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from '../../src/clients/api-client.ts'
import type { Deps } from '../../src/deps.ts'
import { nodeHttpTransport } from '../../src/entry/node-http.ts'
import { type NodeServer, startNodeServer } from '../../src/entry/node-server.ts'
import { openSqlite } from '../../src/entry/open-sqlite.ts'
import { parseEnv } from '../../src/shared/env.ts'
import { type Logger, silentLogger } from '../../src/shared/log.ts'
import { createSecretBox } from '../../src/shared/secret-box.ts'
import { FakeExist, FakeToggl, type ServedFake, serveFake } from '../fakes/index.ts'

export const DEMO_CLIENT = { clientId: 'timebridge-local', name: 'Timebridge' }

export interface Fakes {
  toggl: FakeToggl
  exist: FakeExist
  urls: { toggl: string; exist: string }
  /** OAuth client registered with the fake Exist. */
  client: { clientId: string; clientSecret: string }
  close(): Promise<void>
}

/** Both fakes on loopback ports, sharing one clock. */
export async function startFakes(now: () => number): Promise<Fakes> {
  const toggl = new FakeToggl({ now })
  const exist = new FakeExist({ now })
  const client = { clientId: DEMO_CLIENT.clientId, clientSecret: randomHex(20) }
  exist.addOAuthClient({ ...client, name: DEMO_CLIENT.name })
  const served: ServedFake[] = await Promise.all([serveFake(toggl.fetch), serveFake(exist.fetch)])
  return {
    toggl,
    exist,
    urls: { toggl: served[0]!.url, exist: served[1]!.url },
    client,
    close: async () => {
      await Promise.all(served.map((s) => s.close()))
    },
  }
}

export interface WebServer {
  url: string
  deps: Deps
  server: NodeServer
  dir: string
  close(): Promise<void>
}

/** A Timebridge server against the fakes; `oauth: false` runs it without an OAuth client (personal-token sign-in). */
export async function startWebServer(
  fakes: Fakes,
  opts: {
    now: () => number
    oauth: boolean
    port?: number
    /** Runs on this schedule. Default: the hourly default shown on the pages, never fired during a test. */
    schedule?: string
    log?: Logger
    http?: HttpPolicy
    secretKey?: string
    /** More environment variables (e.g. CLIENT_IP_HEADER). */
    env?: Record<string, string>
  },
): Promise<WebServer> {
  const port = opts.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'timebridge-web-'))
  const secretKey = opts.secretKey ?? randomHex(32)
  const config = parseEnv({
    DATABASE_PATH: join(dir, 'timebridge.db'),
    SECRET_KEY: secretKey,
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    EXIST_URL: fakes.urls.exist,
    TOGGL_URL: fakes.urls.toggl,
    SYNC_SCHEDULE: opts.schedule ?? '40 * * * *',
    ...(opts.oauth
      ? { EXIST_CLIENT_ID: fakes.client.clientId, EXIST_CLIENT_SECRET: fakes.client.clientSecret }
      : {}),
    ...opts.env,
  })
  const { db, close } = openSqlite(config.databasePath)
  const deps: Deps = {
    db,
    config,
    box: await createSecretBox(secretKey),
    now: opts.now,
    transport: nodeHttpTransport(),
    http: opts.http ?? { ...DEFAULT_HTTP_POLICY, timeoutMs: 5_000 },
    log: opts.log ?? silentLogger,
  }
  const server = await startNodeServer(deps, { port, runSchedule: opts.schedule !== undefined })
  return {
    url: config.publicUrl,
    deps,
    server,
    dir,
    close: async () => {
      await server.close()
      close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolvePort(port))
    })
  })
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('')
}
