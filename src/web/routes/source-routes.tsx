/** Connecting Toggl Track or Clockify with a pasted token (checked with the service first), and disconnecting a source. */
import { Hono } from 'hono'
import { ConfirmPage } from '../../../views/confirm-page.tsx'
import { type ConnectErrors, ConnectPage, type SourceState } from '../../../views/connect-page.tsx'
import {
  type CheckedSource,
  checkClockify,
  checkToggl,
  connectSources,
} from '../../accounts/connect-user.ts'
import { disconnectSource } from '../../accounts/disconnect.ts'
import { disconnectsAt } from '../../accounts/source-pause.ts'
import { SERVICE_LABEL } from '../../clients/api-client.ts'
import { InputError } from '../../core/input-error.ts'
import { SOURCES, type Source } from '../../core/source-types.ts'
import { sortAttributes } from '../../core/templates.ts'
import type { Deps } from '../../deps.ts'
import { attributeRows, mappingRows } from '../../store/attribute-store.ts'
import { countProjects } from '../../store/project-cache.ts'
import { findConnection, type User } from '../../store/user-store.ts'
import type { AppEnv } from '../app-env.ts'
import { ClockifyKeyForm, ConfirmForm, check, formFields, TogglTokenForm } from '../forms.ts'
import { attributeLabels } from '../mapping-plan.ts'
import { count, localDay, plainError } from '../plain-words.ts'
import { type AppContext, mustUser, page, redirectWith, render } from '../web.ts'

export function sourceRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/connect', async (c) => {
    const user = mustUser(c)
    const refused = c.var.flash?.form
    return render(
      c,
      <ConnectPage
        ctx={page(c)}
        {...(await sourceStates(c.var.deps, user))}
        errors={refused?.errors ?? {}}
        region={refused?.values?.clockifyRegion}
      />,
    )
  })

  app.post('/connect/toggl', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const form = check(TogglTokenForm, await formFields(c))
    const again = (errors: ConnectErrors) => refusedForm(c, errors, {})
    if (!form.ok) return again(form.errors)
    return connect(c, user, () => checkToggl(deps, form.data.togglToken), again)
  })

  app.post('/connect/clockify', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const fields = await formFields(c)
    const form = check(ClockifyKeyForm, fields)
    // The region goes back into the form; the key never does.
    const region = fields.clockifyRegion?.slice(0, 20)
    const again = (errors: ConnectErrors) =>
      refusedForm(c, errors, region ? { clockifyRegion: region } : {})
    if (!form.ok) return again(form.errors)
    return connect(
      c,
      user,
      () => checkClockify(deps, form.data.clockifyKey, form.data.clockifyRegion),
      again,
    )
  })

  app.get('/sources/:source/disconnect', async (c) => {
    const user = mustUser(c)
    const source = sourceParam(c.req.param('source'))
    if (!source) return c.notFound()
    const { deps } = c.var
    const state = await sourceState(deps, user, source)
    if (!state.connected && !state.reason)
      return redirectWith(c, '/connect', {
        kind: 'error',
        text: `${state.label} is not connected.`,
      })
    const plan = await sourcePlan(deps, user, source)
    return render(
      c,
      <ConfirmPage
        ctx={page(c)}
        title={`Disconnect ${state.label}?`}
        action={`/sources/${source}/disconnect`}
        button={`Disconnect ${state.label}`}
        danger
        cancelHref="/connect"
      >
        <ul>
          <li>
            The saved {state.label} token and the list of {count(state.projects, 'project')} are
            deleted.
          </li>
          <li>
            {plan.mapped === 0
              ? `No ${state.label} project is mapped.`
              : `The ${count(plan.mapped, 'mapping')} of ${state.label} projects are removed.`}
          </li>
          {plan.orphaned.length > 0 ? (
            <li>
              {plan.orphaned.join(', ')} stop syncing and are handed back to Exist. Exist keeps the
              values it already has; use Zero Out first if you want them cleared.
            </li>
          ) : null}
          <li>You stay signed in; you can connect {state.label} again at any time.</li>
        </ul>
      </ConfirmPage>,
    )
  })

  app.post('/sources/:source/disconnect', async (c) => {
    const user = mustUser(c)
    const source = sourceParam(c.req.param('source'))
    if (!source) return c.notFound()
    const form = check(ConfirmForm, await formFields(c))
    if (!form.ok) return c.redirect(`/sources/${source}/disconnect`, 303)
    const { deps } = c.var
    const conn = await findConnection(deps.db, user.id, source)
    if (!conn)
      return redirectWith(c, '/connect', {
        kind: 'error',
        text: `${SERVICE_LABEL[source]} is not connected.`,
      })
    const labels = await attributeLabels(deps, user)
    const result = await disconnectSource(deps, user.id, source)
    return redirectWith(c, '/connect', {
      kind: 'ok',
      text: `${SERVICE_LABEL[source]} is disconnected: its token, projects and mappings are deleted.`,
      lines: [
        ...(result.released.length
          ? [`Handed back to Exist: ${sortAttributes(result.released).map(labels).join(', ')}.`]
          : []),
        ...result.problems.map((p) => `Exist did not take back ${p}.`),
      ],
    })
  })

  return app
}

/** Checks the credential with its service, then stores it; a refusal is shown next to the field. */
async function connect(
  c: AppContext,
  user: User,
  checkIt: () => Promise<CheckedSource>,
  again: (errors: ConnectErrors) => Promise<Response>,
): Promise<Response> {
  let checked: CheckedSource
  try {
    checked = await checkIt()
  } catch (error) {
    if (error instanceof InputError)
      return again({ [error.field ?? 'form']: `${plainError(error.message)}. Nothing was saved.` })
    throw error
  }
  const [outcome] = await connectSources(c.var.deps, user.id, [checked])
  const { account } = checked
  const label = SERVICE_LABEL[account.source]
  if (outcome?.resumed)
    return redirectWith(c, '/status', {
      kind: 'ok',
      text: `${label} is connected again (${account.label}): your mappings are kept and the next run catches up.`,
    })
  const lines = outcome?.other_account
    ? [
        `This is a different ${label} account than before: ${
          outcome.unmapped.length
            ? `${count(outcome.unmapped.length, 'mapping')} of projects it cannot see ${outcome.unmapped.length === 1 ? 'was' : 'were'} removed.`
            : 'every mapped project is in this account too, so the mappings are kept.'
        }`,
      ]
    : []
  return redirectWith(c, '/mapping', {
    kind: 'ok',
    text: `${label} connected (${account.label}): ${count(account.projects.length, 'project')}. Now choose where each project's time goes.`,
    lines,
  })
}

/** Post/redirect/get for a refused source form: the Sources page shows the messages next to the fields. */
function refusedForm(
  c: AppContext,
  errors: ConnectErrors,
  values: Record<string, string>,
): Promise<Response> {
  const clean = Object.fromEntries(
    Object.entries(errors).filter((e): e is [string, string] => typeof e[1] === 'string'),
  )
  return redirectWith(c, '/connect', { kind: 'error', text: '', form: { errors: clean, values } })
}

async function sourceStates(
  deps: Deps,
  user: User,
): Promise<{ toggl: SourceState; clockify: SourceState }> {
  return {
    toggl: await sourceState(deps, user, 'toggl'),
    clockify: await sourceState(deps, user, 'clockify'),
  }
}

function sourceParam(raw: string): Source | undefined {
  return (SOURCES as readonly string[]).includes(raw) ? (raw as Source) : undefined
}

async function sourceState(deps: Deps, user: User, source: Source): Promise<SourceState> {
  const conn = await findConnection(deps.db, user.id, source)
  return {
    source,
    label: SERVICE_LABEL[source],
    connected: Boolean(conn?.connected),
    reason: conn?.reason ?? null,
    pausedUntil:
      conn && !conn.connected && conn.pausedAt
        ? localDay(disconnectsAt(conn.pausedAt).getTime(), user.timezone)
        : null,
    projects: await countProjects(deps.db, user.id, source),
  }
}

/** What disconnecting a source would do: its mappings go, and attributes only it fed stop syncing. */
async function sourcePlan(deps: Deps, user: User, source: Source) {
  const maps = await mappingRows(deps.db, user.id)
  const mine = maps.filter((m) => m.project.startsWith(`${source}:`))
  const kept = new Set(
    maps.filter((m) => !m.project.startsWith(`${source}:`)).map((m) => m.attribute),
  )
  const labels = new Map((await attributeRows(deps.db, user.id)).map((a) => [a.attribute, a.label]))
  const orphaned = sortAttributes([...new Set(mine.map((m) => m.attribute))])
    .filter((a) => !kept.has(a))
    .map((a) => labels.get(a) ?? a)
  return { mapped: mine.length, orphaned }
}
