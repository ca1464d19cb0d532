/** The web app: one Hono app for Node and Workers, built from its dependencies. */
import { Hono } from 'hono'
import type { Deps } from '../deps.ts'

export function createApp(deps: Deps): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ ok: true, time: new Date(deps.now()).toISOString() }))
  app.get('/', (c) =>
    c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Timebridge</title>
        </head>
        <body>
          <h1>Timebridge</h1>
          <p>Tracked time from Toggl Track into Exist, every hour. Use the command line to connect and map projects.</p>
        </body>
      </html>,
    ),
  )
  return app
}
