/** Serves a fake's web-standard fetch handler on a loopback port (Node only; workerd uses app). */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'

export interface ServedFake {
  url: string
  close(): Promise<void>
}

export async function serveFake(
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>,
  opts: { port?: number } = {},
): Promise<ServedFake> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch, hostname: '127.0.0.1', port: opts.port ?? 0 },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done, fail) => {
              const http = server as Server
              http.close((err) => (err ? fail(err) : done()))
              // Clients keep sockets alive; without this close() waits for their idle timeout.
              http.closeAllConnections?.()
            }),
        })
      },
    )
    server.once('error', reject)
  })
}
