/** The mapping page: show projects with their attribute, save changes (confirming takeovers first), refresh the project list. */
import { Hono } from 'hono'
import { MappingConfirmPage } from '../../../views/mapping-confirm-page.tsx'
import { MappingPage, type MappingProject, type MappingView } from '../../../views/mapping-page.tsx'
import { UnreadableCredential } from '../../accounts/open-secret.ts'
import { listProjects, type ProjectView, refreshProjects } from '../../accounts/project-list.ts'
import { ApiError, SERVICE_LABEL } from '../../clients/api-client.ts'
import type { Deps } from '../../deps.ts'
import { connectedSources, type User } from '../../store/user-store.ts'
import type { AppEnv } from '../app-env.ts'
import { check, formFields, MappingForm } from '../forms.ts'
import { applyPlan, attributeOptions, planMapping, windowDays } from '../mapping-plan.ts'
import { count, localTime, plainError } from '../plain-words.ts'
import { mustUser, page, redirectWith, render } from '../web.ts'

export function mappingRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/mapping', async (c) => {
    const user = mustUser(c)
    return render(c, <MappingPage ctx={page(c)} view={await mappingView(c.var.deps, user)} />)
  })

  app.post('/mapping', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const fields = await formFields(c)
    const form = check(MappingForm, fields)
    const selected = Object.fromEntries(
      Object.entries(fields)
        .map(([k, v]) => [/^map\[(.+)\]$/.exec(k)?.[1], v] as const)
        .filter((e): e is [string, string] => e[0] !== undefined),
    )
    const again = async (errors: Record<string, string>, formError: string) => {
      const view = await mappingView(deps, user)
      // Errors of projects not on the page (not the user's, or gone) can't sit next to a field.
      const unplaced = Object.entries(errors)
        .filter(([p]) => p !== 'form' && !view.projects.some((v) => v.project === p))
        .map(([p, e]) => `${p}: ${e}`)
      const message = [formError, ...unplaced].join(' ')
      return render(
        c,
        <MappingPage ctx={page(c)} view={{ ...view, selected, errors, formError: message }} />,
        400,
      )
    }
    if (!form.ok)
      return again(
        form.errors,
        form.errors.form ?? 'Some choices were not valid; nothing was saved.',
      )

    const projects = await listProjects(deps, user.id)
    const { options } = await attributeOptions(deps, user)
    const plan = await planMapping(deps, user, projects, options, form.data.selections)
    if (Object.keys(plan.errors).length)
      return again(plan.errors, 'Some choices were not valid; nothing was saved.')
    if (plan.changes.length === 0)
      return redirectWith(c, '/mapping', { kind: 'ok', text: 'Nothing changed.' })
    if (plan.takeovers.length && !form.data.confirmed) {
      return render(
        c,
        <MappingConfirmPage
          ctx={page(c)}
          takeovers={plan.takeovers.map((t) => ({ label: t.label, owner: t.owner! }))}
          starting={plan.starting.map((s) => s.label)}
          days={windowDays(deps, user)}
          fields={[...form.data.selections].map(([p, a]) => [`map[${p}]`, a ?? ''])}
        />,
        409,
      )
    }
    const applied = await applyPlan(deps, user, plan, options)
    if (Object.keys(applied.errors).length) {
      const saved = applied.saved ? `${count(applied.saved, 'change')} saved; ` : ''
      return again(applied.errors, `${saved}the projects marked below were not saved.`)
    }
    return redirectWith(c, '/status', {
      kind: 'ok',
      text: `Mapping saved (${count(applied.saved, 'change')}).`,
      lines: applied.lines,
    })
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
    options,
    ...(note ? { optionsNote: note } : {}),
    refreshedAt: refreshed === undefined ? null : localTime(refreshed, user.timezone, deps.now()),
    connected: sources.length > 0,
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
