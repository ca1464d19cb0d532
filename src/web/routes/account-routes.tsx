/** Zero Out and Disconnect: each a confirmation page saying exactly what happens, then the POST that does it. */
import { Hono } from 'hono'
import { ConfirmPage } from '../../../views/confirm-page.tsx'
import { disconnectUser } from '../../accounts/disconnect.ts'
import { sortAttributes } from '../../core/templates.ts'
import { attributeRows, mappingRows } from '../../store/attribute-store.ts'
import { zeroOut } from '../../sync/zero-out.ts'
import type { AppEnv } from '../app-env.ts'
import { ConfirmForm, check, formFields } from '../forms.ts'
import { attributeLabels, windowDays } from '../mapping-plan.ts'
import { count, runHeadline } from '../plain-words.ts'
import { mustUser, page, redirectWith, render, startSession } from '../web.ts'

export function accountRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/zero-out', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const mapped = new Set((await mappingRows(deps.db, user.id)).map((m) => m.attribute))
    const synced = sortAttributes(
      (await attributeRows(deps.db, user.id)).filter(
        (a) => a.status === 'owned' && mapped.has(a.attribute),
      ),
      (a) => a.attribute,
    )
    if (synced.length === 0) {
      return redirectWith(c, '/status', {
        kind: 'error',
        text: 'Zero Out has nothing to do: no attribute is synced yet.',
      })
    }
    const days = windowDays(deps, user)
    return render(
      c,
      <ConfirmPage
        ctx={page(c)}
        title="Zero Out?"
        action="/zero-out"
        button="Zero Out now"
        cancelHref="/status"
      >
        <ol>
          <li>
            For <strong>{synced.map((a) => a.label).join(', ')}</strong>, Timebridge sets each of
            the {days.count} days from <strong>{days.first}</strong> to <strong>{days.last}</strong>{' '}
            to 0 in Exist.
          </li>
          <li>It forgets what it had sent for those days.</li>
          <li>
            It syncs at once, so every day gets the time you tracked again. Values you or another
            app put into these attributes for those days are replaced; earlier days are not touched.
          </li>
        </ol>
        <p>Use it when Exist shows numbers that do not match your tracked time.</p>
      </ConfirmPage>,
    )
  })

  app.post('/zero-out', async (c) => {
    const user = mustUser(c)
    const form = check(ConfirmForm, await formFields(c))
    if (!form.ok) return c.redirect('/zero-out', 303)
    const report = await zeroOut(c.var.deps, user.id, 'web')
    const head = runHeadline(report)
    const ok = report.status === 'ok'
    return redirectWith(c, '/status', {
      kind: ok ? 'ok' : 'error',
      text: ok
        ? `Zero Out done: ${count(report.zeroed, 'day value')} set to 0, then every day sent again.`
        : `Zero Out did not finish: ${head.text}`,
    })
  })

  app.get('/disconnect', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const maps = await mappingRows(deps.db, user.id)
    const owned = sortAttributes(await attributeRows(deps.db, user.id), (a) => a.attribute)
    return render(
      c,
      <ConfirmPage
        ctx={page(c)}
        title="Disconnect and delete everything?"
        action="/disconnect"
        button="Disconnect and delete"
        danger
        cancelHref="/status"
      >
        <p>Timebridge stops syncing and deletes everything it holds about {user.existUsername}:</p>
        <ul>
          <li>your Exist tokens and your Toggl Track or Clockify tokens,</li>
          <li>your {count(maps.length, 'mapping')} and the cached project list,</li>
          <li>the record of what it sent to Exist, and the run history.</li>
        </ul>
        <p>
          {owned.length
            ? `${owned.map((a) => a.label).join(', ')} ${owned.length === 1 ? 'is' : 'are'} handed back to Exist. `
            : ''}
          Exist keeps the values already there; use Zero Out first if you want them cleared.
        </p>
        <p>This cannot be undone, but you can sign in again later and start over.</p>
      </ConfirmPage>,
    )
  })

  app.post('/disconnect', async (c) => {
    const user = mustUser(c)
    const form = check(ConfirmForm, await formFields(c))
    if (!form.ok) return c.redirect('/disconnect', 303)
    const labels = await attributeLabels(c.var.deps, user)
    const result = await disconnectUser(c.var.deps, user.id)
    // The user's row (and with it the session version) is gone and ids are never reused
    // (AUTOINCREMENT), so every cookie of this account is void, here and in other browsers.
    await startSession(c, undefined)
    return redirectWith(c, '/bye', {
      kind: 'ok',
      text: `Everything Timebridge held about ${user.existUsername} is deleted: tokens, mappings, projects, the record of what was sent, and run history. Nothing of yours is left here.`,
      lines: [
        ...(result.released.length
          ? [
              `Handed back to Exist: ${sortAttributes(result.released).map(labels).join(', ')}; Exist keeps their values.`,
            ]
          : []),
        ...result.problems.map((p) => `Exist did not take back ${p}.`),
      ],
    })
  })

  return app
}
