/** The Node shell: serves the app with @hono/node-server and runs the hourly sync with croner. */
import { type ServerType, serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { serveStatic } from '@hono/node-server/serve-static'
import { Cron } from 'croner'
import type { Deps } from '../deps.ts'
import { syncAll } from '../sync/sync-all.ts'
import { createApp } from '../web/create-app.tsx'
import { packageDir } from './open-sqlite.ts'

/** public/ holds /static/* (CSS and the small progress script); absolute so the working directory doesn't matter. */
export const PUBLIC_DIR = packageDir('public')

export interface NodeServer {
  url: string
  nextRun(): Date | null
  close(): Promise<void>
}

export async function startNodeServer(
  deps: Deps,
  opts: { port: number; hostname?: string },
): Promise<NodeServer> {
  const app = createApp(deps, {
    assets: serveStatic({ root: PUBLIC_DIR }),
    peerAddress: (c) => getConnInfo(c).remote.address,
  })
  const server: ServerType = await new Promise((resolveServer) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.hostname }, () =>
      resolveServer(s),
    )
  })
  // `protect` skips a tick while the previous run is still going: runs never overlap.
  const cron = new Cron(deps.config.syncSchedule, { protect: true }, async () => {
    deps.log.info('scheduled_run_started')
    const reports = await syncAll(deps, 'schedule')
    deps.log.info('scheduled_run', {
      users: reports.length,
      failed: reports.filter((r) => r.status === 'error').length,
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  return {
    url: `http://${opts.hostname && opts.hostname !== '0.0.0.0' ? opts.hostname : 'localhost'}:${port}`,
    nextRun: () => cron.nextRun(),
    close: () =>
      new Promise((resolveClose) => {
        cron.stop()
        server.close(() => resolveClose())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  }
}
