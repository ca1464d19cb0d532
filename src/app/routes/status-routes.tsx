/** The start page redirect, the status page and "Sync now". */
import { Hono } from 'hono'
import { StatusPage } from '../../../views/status-page.tsx'
import { syncUser } from '../../sync/sync-user.ts'
import { mappingRows } from '../../users/attribute-store.ts'
import { connectedSources } from '../../users/user-store.ts'
import type { AppEnv } from '../app-env.ts'
import { runHeadline } from '../plain-words.ts'
import { statusView } from '../status-data.ts'
import { mustUser, page, redirectWith, render } from '../web.ts'

export function statusRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const user = mustUser(c)
    const { db } = c.var.deps
    if ((await connectedSources(db, user.id)).length === 0) return c.redirect('/connect', 303)
    if ((await mappingRows(db, user.id)).length === 0) return c.redirect('/mapping', 303)
    return c.redirect('/status', 303)
  })

  app.get('/status', async (c) => {
    const user = mustUser(c)
    return render(c, <StatusPage ctx={page(c)} view={await statusView(c.var.deps, user)} />)
  })

  app.post('/sync', async (c) => {
    const user = mustUser(c)
    const report = await syncUser(c.var.deps, user.id, 'web')
    const head = runHeadline(report)
    return redirectWith(c, '/status', {
      kind: head.tone === 'good' ? 'ok' : 'error',
      text: `Sync now: ${head.text}`,
    })
  })

  return app
}
