/** The Node shell: serves the app with @hono/node-server, runs the hourly sync with croner, and shuts down gracefully. */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { serveStatic } from '@hono/node-server/serve-static'
import { Cron } from 'croner'
import type { Deps } from '../deps.ts'
import { scheduledPass } from '../sync/sync-all.ts'
import { createApp } from '../web/create-app.tsx'
import { packageDir } from './open-sqlite.ts'

/** public/ holds /static/* (CSS and the small progress script); absolute so the working directory doesn't matter. */
export const PUBLIC_DIR = packageDir('public')

/** How long a shutdown waits for requests and runs in flight by default: inside Docker's 10 s before SIGKILL. */
const SHUTDOWN_GRACE_MS = 8_000

export interface NodeServer {
  url: string
  nextRun(): Date | null
  /**
   * Stops accepting requests and the schedule, then waits (up to `graceMs`) for the requests and
   * the scheduled run in flight. True when all finished: only then may the database be closed.
   */
  close(graceMs?: number): Promise<boolean>
}

export async function startNodeServer(
  deps: Deps,
  opts: {
    port: number
    hostname?: string
    /** false: serve only, the schedule never fires (tests that show SYNC_SCHEDULE but must not run it). */
    runSchedule?: boolean
  },
): Promise<NodeServer> {
  const app = createApp(deps, {
    assets: serveStatic({ root: PUBLIC_DIR }),
    peerAddress: (c) => getConnInfo(c).remote.address,
  })
  const server = await new Promise<Server>((resolveServer) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.hostname }, () =>
      resolveServer(s as Server),
    )
  })
  let scheduled: Promise<void> = Promise.resolve()
  // `protect` skips a tick while the previous run is still going: runs never overlap.
  const cron = new Cron(
    deps.config.syncSchedule,
    { protect: true, paused: opts.runSchedule === false },
    async () => {
      scheduled = (async () => {
        deps.log.info('scheduled_run_started')
        const pass = await scheduledPass(deps)
        deps.log.info('scheduled_run', {
          users: pass.users,
          failed: pass.statuses.error ?? 0,
          statuses: pass.statuses,
        })
      })()
      await scheduled
    },
  )
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  return {
    url: `http://${opts.hostname && opts.hostname !== '0.0.0.0' ? opts.hostname : 'localhost'}:${port}`,
    nextRun: () => cron.nextRun(),
    async close(graceMs = SHUTDOWN_GRACE_MS) {
      cron.stop()
      const requestsDone = new Promise<void>((resolveClose) => server.close(() => resolveClose()))
      // Keep-alive sockets between requests would hold close() open: drop each as it goes idle.
      server.closeIdleConnections()
      const idle = setInterval(() => server.closeIdleConnections(), 50)
      let timer: NodeJS.Timeout | undefined
      const finished = await Promise.race([
        Promise.all([requestsDone, scheduled.catch(() => {})]).then(() => true),
        new Promise<false>(
          (resolveLate) => (timer = setTimeout(() => resolveLate(false), graceMs)),
        ),
      ])
      clearInterval(idle)
      clearTimeout(timer)
      if (!finished) server.closeAllConnections()
      return finished
    },
  }
}
