/** History import on the web: choose the first day, a confirmation naming what is replaced (GET), start (POST → redirect), cancel. */
import { Hono } from 'hono'
import { DateTime } from 'luxon'
import {
  HistoryImportConfirm,
  HistoryImportForm as HistoryImportFormPage,
} from '../../../views/history-import-page.tsx'
import { InputError } from '../../core/input-error.ts'
import { localWindow } from '../../core/local-window.ts'
import { TEMPLATES } from '../../core/templates.ts'
import {
  cancelHistoryImport,
  previewImport,
  runHistoryImport,
  startHistoryImport,
} from '../../sync/history-import.ts'
import type { AppEnv } from '../app-env.ts'
import { check, formFields, HistoryImportForm } from '../forms.ts'
import { count, longDate } from '../plain-words.ts'
import { type AppContext, mustUser, page, redirectWith, render } from '../web.ts'

export function historyRoutes(continueImport?: (userId: number) => Promise<void>): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  /** The earliest and latest first day, and a suggestion (a year back), in the user's zone. */
  const bounds = (c: AppContext) => {
    const user = mustUser(c)
    const { deps } = c.var
    const window = localWindow(deps.now(), user.timezone, deps.config.syncDays)
    const today = DateTime.fromISO(window.today, { zone: 'utc' })
    const latest = DateTime.fromISO(window.dates[0]!, { zone: 'utc' }).minus({ days: 1 })
    return {
      earliest: today.minus({ years: 5 }).toISODate()!,
      latest: latest.toISODate()!,
      suggested: DateTime.min(today.minus({ years: 1 }), latest).toISODate()!,
    }
  }

  app.get('/import-history', (c) => {
    const b = bounds(c)
    return render(
      c,
      <HistoryImportFormPage
        ctx={page(c)}
        since={b.suggested}
        earliest={b.earliest}
        latest={b.latest}
      />,
    )
  })

  app.get('/import-history/confirm', async (c) => {
    const user = mustUser(c)
    const since = c.req.query('since') ?? ''
    try {
      const preview = await previewImport(c.var.deps, user.id, since)
      const labels = new Map(TEMPLATES.map((t) => [t.name, t.label] as const))
      return render(
        c,
        <HistoryImportConfirm
          ctx={page(c)}
          since={preview.since}
          first={longDate(preview.since)}
          last={longDate(preview.until)}
          days={preview.days}
          attributes={preview.attributes.map((a) => labels.get(a) ?? a).join(', ')}
        />,
      )
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      const b = bounds(c)
      return render(
        c,
        <HistoryImportFormPage
          ctx={page(c)}
          since={/^\d{4}-\d{2}-\d{2}$/.test(since) ? since : b.suggested}
          earliest={b.earliest}
          latest={b.latest}
          error={error.message.replace(/^--since/, 'The first day')}
        />,
        400,
      )
    }
  })

  app.post('/import-history', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const form = check(HistoryImportForm, await formFields(c))
    if (!form.ok) return c.redirect('/import-history', 303)
    try {
      await startHistoryImport(deps, user.id, form.data.since)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      return redirectWith(c, '/status', { kind: 'error', text: error.message })
    }
    // The first chunk now, so the status page shows it moving; the queue (Workers) or the schedule carries on.
    const { outcome, status } = await runHistoryImport(deps, user.id, { maxChunks: 1 })
    if (outcome === 'chunk' && continueImport) await continueImport(user.id)
    return redirectWith(c, '/status', {
      kind: 'ok',
      text: `History import started: ${count(status?.days_done ?? 0, 'day')} of ${status?.days_total ?? 0} done so far; it carries on every hour within the quotas.`,
    })
  })

  app.post('/import-history/cancel', async (c) => {
    const user = mustUser(c)
    const status = await cancelHistoryImport(c.var.deps, user.id)
    return redirectWith(c, '/status', {
      kind: 'ok',
      text: status
        ? `History import cancelled after ${count(status.days_done, 'day')} of ${status.days_total}; what it wrote stays in Exist.`
        : 'There was no history import to cancel.',
    })
  })

  return app
}
