/** The start page redirect, the status page and "Sync now". */
import { Hono } from 'hono'
import { StatusPage } from '../../../views/status-page.tsx'
import { ApiError } from '../../clients/api-client.ts'
import { InputError } from '../../core/input-error.ts'
import { mappingRows } from '../../store/attribute-store.ts'
import { atomically } from '../../store/database.ts'
import { setRepairDrift } from '../../store/exist-values-store.ts'
import { connectedSources } from '../../store/user-store.ts'
import { checkUser, repairUser } from '../../sync/exist-check.ts'
import type { AppEnv } from '../app-env.ts'
import { check, formFields, RepairDriftForm } from '../forms.ts'
import { count, plainError } from '../plain-words.ts'
import { statusView } from '../status-data.ts'
import { syncNow } from '../sync-now.ts'
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
    const synced = await syncNow(c, user)
    return redirectWith(c, '/status', { ...synced, text: `Sync now: ${synced.text}` })
  })

  // Read Exist back now (two requests); the status page then shows what it holds.
  app.post('/check', async (c) => {
    const user = mustUser(c)
    try {
      const report = await checkUser(c.var.deps, user.id)
      return redirectWith(c, '/status#drift-check', {
        kind: 'ok',
        text:
          report.attributes.length === 0
            ? 'Nothing to check yet: no attribute is mapped.'
            : report.drift.length === 0
              ? `Checked Exist: all ${report.days_compared} day values hold what Timebridge sent.`
              : `Checked Exist: ${count(report.drift.length, 'day')} ${report.drift.length === 1 ? 'differs' : 'differ'} from what Timebridge sent.`,
      })
    } catch (error) {
      return redirectWith(c, '/status#drift-check', {
        kind: 'error',
        text: `Check: ${refusal(error)}`,
      })
    }
  })

  app.post('/repair', async (c) => {
    const user = mustUser(c)
    try {
      const report = await repairUser(c.var.deps, user.id, 'web')
      const sent = report.repaired.length
      const left = report.summary.pending
      return redirectWith(c, '/status#drift-check', {
        kind: report.status === 'ok' ? 'ok' : 'error',
        text:
          sent + left === 0
            ? 'Repair: nothing to do, Exist holds what Timebridge sent.'
            : `Repair: set ${count(sent, 'day')} back to what Timebridge sent${left ? `; ${count(left, 'day')} still waiting for Exist (the next run settles them)` : ''}.`,
      })
    } catch (error) {
      return redirectWith(c, '/status#drift-check', {
        kind: 'error',
        text: `Repair: ${refusal(error)}`,
      })
    }
  })

  app.post('/settings/repair-drift', async (c) => {
    const user = mustUser(c)
    const form = check(RepairDriftForm, await formFields(c))
    if (!form.ok) {
      return redirectWith(c, '/status#drift-check', {
        kind: 'error',
        text: form.errors.repairDrift ?? 'Choose on or off',
      })
    }
    const on = form.data.repairDrift === 'on'
    await atomically(c.var.deps.db, [setRepairDrift(c.var.deps.db, user.id, on)])
    return redirectWith(c, '/status#drift-check', {
      kind: 'ok',
      text: on
        ? 'The daily check now repairs days that differ in Exist by itself.'
        : 'The daily check now only shows days that differ; repairing them is up to you.',
    })
  })

  return app
}

/** A check or repair that could not run, in one plain sentence. */
function refusal(error: unknown): string {
  if (error instanceof InputError) return error.message
  if (error instanceof ApiError) return plainError(error.message)
  throw error
}
