/** The mapping page: show projects with their attribute, save changes (after a confirmation page when they take an attribute over or stop one), refresh the project list. */
import { Hono } from 'hono'
import { MappingConfirmPage } from '../../../views/mapping-confirm-page.tsx'
import { MappingPage, type MappingProject, type MappingView } from '../../../views/mapping-page.tsx'
import { MessagePage } from '../../../views/message-page.tsx'
import { UnreadableCredential } from '../../accounts/open-secret.ts'
import { listProjects, type ProjectView, refreshProjects } from '../../accounts/project-list.ts'
import { ApiError, SERVICE_LABEL } from '../../clients/api-client.ts'
import type { Deps } from '../../deps.ts'
import { ruleRows } from '../../store/rule-store.ts'
import { connectedSources, type User } from '../../store/user-store.ts'
import type { AppEnv } from '../app-env.ts'
import { check, formFields, MappingForm } from '../forms.ts'
import { applyPlan, attributeOptions, planMapping, windowDays } from '../mapping-plan.ts'
import { count, localTime, plainError } from '../plain-words.ts'
import { syncNow } from '../sync-now.ts'
import { type AppContext, mustUser, page, redirectWith, render } from '../web.ts'

const NOT_SAVED = 'Some choices were not valid; nothing was saved.'

export function mappingRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/mapping', async (c) => {
    const user = mustUser(c)
    const refused = c.var.flash?.form
    const view = await mappingView(c.var.deps, user)
    // The rules form's fields and errors travel in the same flash, as `rule.<field>`.
    const ruleOf = (rec: Record<string, string> | undefined) =>
      Object.fromEntries(
        Object.entries(rec ?? {})
          .filter(([k]) => k.startsWith('rule.'))
          .map(([k, v]) => [k.slice(5), v]),
      )
    return render(
      c,
      <MappingPage
        ctx={page(c)}
        view={{
          ...view,
          selected: refused?.values ?? {},
          errors: refused?.errors ?? {},
          ruleForm: ruleOf(refused?.values),
          ruleErrors: ruleOf(refused?.errors),
        }}
      />,
    )
  })

  app.post('/mapping', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const fields = await formFields(c)
    const form = check(MappingForm, fields)
    if (!form.ok) return refused(c, user, fields, form.errors, form.errors.form ?? NOT_SAVED)

    const projects = await listProjects(deps, user.id)
    const { options } = await attributeOptions(deps, user)
    const plan = await planMapping(deps, user, projects, options, form.data.selections)
    if (Object.keys(plan.errors).length) return refused(c, user, fields, plan.errors, NOT_SAVED)
    if (plan.changes.length === 0)
      return redirectWith(c, '/mapping', { kind: 'ok', text: 'Nothing changed.' })
    const { confirmed, stopped } = form.data
    if ((plan.takeovers.length && !confirmed) || (plan.stopping.length && !stopped)) {
      // The pending choice lives in the confirmation page's address: Back and reload show it again.
      const query = new URLSearchParams(
        plan.changes.map((ch) => [`map[${ch.project}]`, ch.to ?? '']),
      )
      return c.redirect(`/mapping/confirm?${query}`, 303)
    }
    const applied = await applyPlan(deps, user, plan, options, stopped === 'clear')
    if (Object.keys(applied.errors).length) {
      const saved = applied.saved ? `${count(applied.saved, 'change')} saved; ` : ''
      return refused(
        c,
        user,
        fields,
        applied.errors,
        `${saved}the projects marked below were not saved.`,
      )
    }
    // Saving starts a sync at once, so the status page shows real numbers, not a window of zeros.
    const synced = await syncNow(c, user)
    return redirectWith(c, '/status', {
      kind: synced.kind,
      text: `Mapping saved (${count(applied.saved, 'change')}). Sync: ${synced.text.replace(/\.?$/, '.')}`,
      lines: applied.lines,
    })
  })

  app.get('/mapping/confirm', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const form = check(MappingForm, c.req.query())
    if (!form.ok) return c.redirect('/mapping', 303)
    const projects = await listProjects(deps, user.id)
    const { options } = await attributeOptions(deps, user)
    const plan = await planMapping(deps, user, projects, options, form.data.selections)
    if (Object.keys(plan.errors).length) {
      return redirectWith(c, '/mapping', {
        kind: 'error',
        text: NOT_SAVED,
        form: { errors: plan.errors },
      })
    }
    if (plan.changes.length === 0 || (!plan.takeovers.length && !plan.stopping.length)) {
      return render(
        c,
        <MessagePage ctx={page(c)} title="Nothing to confirm" nav="mapping">
          <p>
            {plan.changes.length === 0
              ? 'These choices are saved already.'
              : 'These choices need no confirmation.'}{' '}
            <a href="/mapping">Open the mapping</a> or <a href="/status">see the status</a>.
          </p>
        </MessagePage>,
      )
    }
    const name = (p: string) => projects.find((x) => x.project === p)?.name ?? p
    return render(
      c,
      <MappingConfirmPage
        ctx={page(c)}
        takeovers={plan.takeovers.map((t) => ({ label: t.label, owner: t.owner! }))}
        starting={plan.starting.map((s) => s.label)}
        stopping={plan.stopping.map((s) => ({
          label: s.label,
          projects: plan.changes
            .filter((ch) => projects.find((p) => p.project === ch.project)?.attribute === s.name)
            .map((ch) => name(ch.project)),
        }))}
        days={windowDays(deps, user)}
        fields={plan.changes.map((ch) => [`map[${ch.project}]`, ch.to ?? ''])}
      />,
    )
  })

  app.post('/mapping/refresh', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    try {
      await refreshProjects(deps, user.id)
    } catch (error) {
      if (error instanceof ApiError || error instanceof UnreadableCredential) {
        return redirectWith(c, '/mapping', {
          kind: 'error',
          text: `Could not refresh projects: ${plainError(error.message)}`,
        })
      }
      throw error
    }
    const n = (await listProjects(deps, user.id)).length
    return redirectWith(c, '/mapping', {
      kind: 'ok',
      text: `Project list refreshed: ${count(n, 'project')}.`,
    })
  })

  return app
}

/** Post/redirect/get for a refused save: the choices that differ from the saved mapping and the messages travel in the flash. */
async function refused(
  c: AppContext,
  user: User,
  fields: Record<string, string>,
  errors: Record<string, string>,
  message: string,
): Promise<Response> {
  const saved = new Map(
    (await listProjects(c.var.deps, user.id)).map((p) => [p.project, p.attribute ?? '']),
  )
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(fields)) {
    const project = /^map\[(.+)\]$/.exec(key)?.[1]
    if (project && saved.has(project) && saved.get(project) !== value)
      values[project] = value.slice(0, 200)
  }
  // Errors of projects not on the page (not the user's, or gone) can't sit next to a field.
  const placed: Record<string, string> = {}
  const unplaced: string[] = []
  for (const [p, e] of Object.entries(errors)) {
    if (saved.has(p)) placed[p] = e
    else if (p !== 'form') unplaced.push(`${p.slice(0, 80)}: ${e}`)
  }
  return redirectWith(c, '/mapping', {
    kind: 'error',
    text: [message, ...unplaced].join(' ').slice(0, 2000),
    form: { values, errors: placed },
  })
}

async function mappingView(deps: Deps, user: User): Promise<MappingView> {
  const projects = await listProjects(deps, user.id)
  const sources = await connectedSources(deps.db, user.id)
  const { options, note } = await attributeOptions(deps, user)
  const refreshed = sources
    .map((s) => s.projectsRefreshedAt?.getTime())
    .filter((t): t is number => t !== undefined)
    .sort()[0]
  return {
    projects: projects.map(toView),
    rules: (await ruleRows(deps.db, user.id)).map((r) => ({
      position: r.position,
      kind: r.kind,
      value: r.value,
      attribute: r.attribute,
    })),
    options,
    ...(note ? { optionsNote: note } : {}),
    refreshedAt: refreshed === undefined ? null : localTime(refreshed, user.timezone, deps.now()),
    connected: sources.length > 0,
    sources: sources.map((s) => SERVICE_LABEL[s.source]).join(' and '),
    windowDays: deps.config.syncDays,
  }
}

function toView(p: ProjectView): MappingProject {
  const source = p.project.split(':')[0] as keyof typeof SERVICE_LABEL
  return {
    ...p,
    source: SERVICE_LABEL[source] ?? source,
    gone: p.workspace === '' && p.name === '(no longer in the source)',
  }
}
