/** Builds the Worker runtime's dependencies from its env: the same zod config as Node, D1 through drizzle, SECRET_KEY as a required secret. */
import type { D1Database } from '@cloudflare/workers-types'
import { drizzle } from 'drizzle-orm/d1'
import { DEFAULT_HTTP_POLICY } from '../clients/api-client.ts'
import { fetchTransport } from '../clients/http-transport.ts'
import type { Deps } from '../deps.ts'
import { ConfigError, parseEnv } from '../shared/env.ts'
import { jsonLogger } from '../shared/log.ts'
import { createSecretBox } from '../shared/secret-box.ts'
import type { Db } from '../store/database.ts'
import * as schema from '../store/schema.ts'

/** The bindings wrangler.toml declares; vars and secrets arrive in the same record as strings. */
export interface WorkerBindings {
  DB: D1Database
}

export function createWorkerDeps(env: WorkerBindings & Record<string, unknown>): Promise<Deps> {
  const config = parseEnv(env)
  // On Node a missing key is generated into ./data; a Worker has no disk to keep one on.
  if (!config.secretKey) {
    throw new ConfigError(
      'SECRET_KEY is not set: add it with `npx wrangler secret put SECRET_KEY` (at least 32 characters); for `wrangler dev`, put a line SECRET_KEY=… in .dev.vars',
    )
  }
  if (!env.DB)
    throw new ConfigError('The D1 binding DB is missing: see [[d1_databases]] in wrangler.toml')
  return createSecretBox(config.secretKey).then((box) => ({
    db: drizzle(env.DB, { schema }) as unknown as Db,
    config,
    box,
    now: () => Date.now(),
    // Looked up per call: workerd refuses a `fetch` detached from the global it belongs to.
    transport: fetchTransport((input, init) => fetch(input, init)),
    http: DEFAULT_HTTP_POLICY,
    log: jsonLogger((line) => console.log(line)),
  }))
}

const cache = new WeakMap<object, Promise<Deps>>()

/**
 * Deps for an env, built once per isolate: deriving the keys costs CPU every invocation would
 * otherwise pay again. A failed build is forgotten so a fixed secret takes effect at once.
 */
export function workerDeps(env: WorkerBindings & Record<string, unknown>): Promise<Deps> {
  let deps = cache.get(env)
  if (!deps) {
    deps = (async () => createWorkerDeps(env))()
    cache.set(env, deps)
    deps.catch(() => cache.delete(env))
  }
  return deps
}
