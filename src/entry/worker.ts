/** The Cloudflare Workers shell: `fetch` serves the app, `scheduled` enqueues one sync job per due user (and one import job per due history import), `queue` runs them. */
import type {
  ExecutionContext,
  MessageBatch,
  Queue,
  ScheduledController,
} from '@cloudflare/workers-types'
import type { Deps } from '../deps.ts'
import { ConfigError } from '../shared/env.ts'
import { MIGRATE_FIX } from '../store/schema-check.ts'
import {
  consumeSyncJobs,
  enqueueDueImports,
  enqueueDueUsers,
  type QueueJob,
} from '../sync/sync-jobs.ts'
import { type App, createApp } from '../web/create-app.tsx'
import { type WorkerBindings, workerDeps } from './worker-deps.ts'

export interface WorkerEnv extends WorkerBindings {
  SYNC_QUEUE: Queue<QueueJob>
  [name: string]: unknown
}

const apps = new WeakMap<Deps, Map<string, App>>()

/** Without PUBLIC_URL the app names itself by the origin it is reached at (workers.dev or a custom domain). */
function appFor(deps: Deps, env: WorkerEnv, origin: string): App {
  const base = env.PUBLIC_URL ? deps.config.publicUrl : origin
  let byBase = apps.get(deps)
  if (!byBase) {
    byBase = new Map()
    apps.set(deps, byBase)
  }
  let app = byBase.get(base)
  if (!app) {
    app = createApp(
      base === deps.config.publicUrl
        ? deps
        : { ...deps, config: { ...deps.config, publicUrl: base } },
      // Cloudflare sets CF-Connecting-IP on every request from the internet (a client cannot).
      {
        peerAddress: (c) => c.req.header('CF-Connecting-IP'),
        migrateFix: MIGRATE_FIX.d1,
        // The rest of a history import started on the web goes through the queue, a chunk a message.
        continueImport: (user) =>
          env.SYNC_QUEUE.send({ importUser: user }, { contentType: 'json' }).then(() => {}),
      },
    )
    byBase.set(base, app)
  }
  return app
}

// Typed with the DOM's Request/Response (the whole project compiles against one lib) and with
// workers-types for the bindings; workerd hands objects that satisfy both.
const worker = {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let deps: Deps
    try {
      deps = await workerDeps(env)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      // The operator's mistake, said plainly; a ConfigError never contains a secret's value.
      console.error(
        JSON.stringify({ level: 'error', event: 'config_invalid', error: error.message }),
      )
      return new Response(`Timebridge is not configured: ${error.message}\n`, { status: 500 })
    }
    const app = appFor(deps, env, new URL(request.url).origin)
    return app.fetch(request, env, ctx)
  },

  async scheduled(
    _controller: ScheduledController,
    env: WorkerEnv,
    _ctx: ExecutionContext,
  ): Promise<void> {
    const deps = await workerDeps(env)
    await enqueueDueUsers(deps, env.SYNC_QUEUE)
    await enqueueDueImports(deps, env.SYNC_QUEUE)
  },

  async queue(batch: MessageBatch<unknown>, env: WorkerEnv, _ctx: ExecutionContext): Promise<void> {
    const deps = await workerDeps(env)
    await consumeSyncJobs(deps, batch.messages, { producer: env.SYNC_QUEUE })
  },
}

export default worker
