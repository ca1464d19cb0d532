/** The mapping page: projects grouped by workspace and client, one attribute select per project. */
import { CsrfField, Layout, type PageContext, Progress, Swatch } from './layout.tsx'
import { type RuleLine, RulesSection } from './rules-section.tsx'

export interface MappingProject {
  project: string
  /** Label of the source, e.g. "Toggl Track". */
  source: string
  name: string
  workspace: string
  client: string | null
  color: string | null
  archived: boolean
  /** Mapped but no longer in the source. */
  gone: boolean
  /** Its workspace refused access (the user left it?): not read; the attribute it feeds is not written. */
  inaccessible: boolean
  attribute: string | null
}

export interface AttributeOption {
  name: string
  label: string
  template: boolean
  /** Another service that fills it in Exist now (taking it needs confirmation). */
  owner: string | null
}

export interface MappingView {
  projects: MappingProject[]
  options: AttributeOption[]
  /** The form's values when a submit is shown again (project → attribute or ''). */
  selected?: Record<string, string>
  errors?: Record<string, string>
  /** Exist could not list the user's attributes: only the templates are offered. */
  optionsNote?: string
  refreshedAt: string | null
  connected: boolean
  /** The connected services, e.g. "Toggl Track", for the empty state. */
  sources?: string
  /** Days each sync covers. */
  windowDays?: number
  /** The user's ordered rules, and the add form's values and errors when shown again. */
  rules?: RuleLine[]
  ruleForm?: Record<string, string>
  ruleErrors?: Record<string, string>
}

export function MappingPage(props: { ctx: PageContext; view: MappingView }) {
  const { view } = props
  const groups = groupProjects(view.projects)
  const manySources = new Set(view.projects.map((p) => p.source)).size > 1
  return (
    <Layout title="Mapping" ctx={props.ctx} nav="mapping">
      <h1>Mapping</h1>
      <p>
        Choose the Exist attribute each project's time goes to. Several projects may feed one
        attribute; their minutes are added up per day.
      </p>
      {view.optionsNote && <p class="notice">{view.optionsNote}</p>}
      {!view.connected && view.projects.length === 0 ? (
        <p class="notice empty">
          No time source is connected yet. <a href="/connect">Connect Toggl Track or Clockify</a>,
          then your projects show up here.
        </p>
      ) : (
        <div class="toolbar">
          <form method="post" action="/mapping/refresh" class="inline">
            <CsrfField token={props.ctx.csrf} />
            <button type="submit">Refresh projects</button>
          </form>
          {view.refreshedAt && <span class="muted">Project list from {view.refreshedAt}.</span>}
        </div>
      )}
      {!view.connected ? null : view.projects.length === 0 ? (
        <p class="notice empty">
          Your {view.sources ?? 'time source'} has no projects yet. Create one there, then press
          "Refresh projects".
        </p>
      ) : null}
      {view.connected && (
        <RulesSection
          csrf={props.ctx.csrf}
          rules={view.rules ?? []}
          options={view.options}
          form={view.ruleForm ?? {}}
          errors={view.ruleErrors ?? {}}
          windowDays={view.windowDays ?? 14}
        />
      )}
      {view.projects.length === 0 ? null : (
        <form method="post" action="/mapping" class="mapping" data-progress="">
          <CsrfField token={props.ctx.csrf} />
          {groups.map((ws) => (
            <section class="card workspace">
              <h2>
                {ws.workspace || 'Projects no longer in the source'}
                {manySources && <span class="muted"> · {ws.source}</span>}
              </h2>
              {ws.clients.map((cl) => (
                <div class="client">
                  <h3>{cl.client ?? 'No client'}</h3>
                  <ul class="projects">
                    {cl.projects.map((p) => (
                      <ProjectRow
                        p={p}
                        options={view.options}
                        selected={view.selected?.[p.project] ?? p.attribute ?? ''}
                        error={view.errors?.[p.project]}
                      />
                    ))}
                  </ul>
                </div>
              ))}
            </section>
          ))}
          <div class="actions">
            <button type="submit" class="primary">
              Save mapping
            </button>
            <span class="muted">Saving syncs the last {view.windowDays ?? 14} days at once.</span>
            <Progress text="Saving, then syncing with Exist…" />
          </div>
        </form>
      )}
    </Layout>
  )
}

function ProjectRow(props: {
  p: MappingProject
  options: AttributeOption[]
  selected: string
  error?: string | undefined
}) {
  const { p } = props
  const id = `map-${p.project.replace(/[^a-z0-9]/gi, '-')}`
  const templates = props.options.filter((o) => o.template)
  const own = props.options.filter((o) => !o.template)
  // A mapping to an attribute no longer offered (e.g. deleted in Exist) stays selectable so saving keeps it.
  const unknown =
    props.selected && !props.options.some((o) => o.name === props.selected) ? props.selected : null
  return (
    <li class={`project${props.error ? ' has-error' : ''}`}>
      <label for={id} class="project-name">
        <Swatch color={p.color} /> <span>{p.name}</span>
        {/* The space keeps screen readers from reading "migrationarchived". */}
        {p.archived && !p.gone && (
          <>
            {' '}
            <span class="badge">archived</span>
          </>
        )}
        {p.gone && (
          <>
            {' '}
            <span class="badge warn">deleted in the source</span>
          </>
        )}
        {p.inaccessible && (
          <>
            {' '}
            <span
              class="badge warn"
              title="The workspace refused access (HTTP 403); its time is not read and the attribute it feeds is not written"
            >
              no access to this workspace
            </span>
          </>
        )}
      </label>
      <select id={id} name={`map[${p.project}]`} aria-invalid={props.error ? 'true' : undefined}>
        <option value="" selected={props.selected === ''}>
          — not synced —
        </option>
        <optgroup label="Exist templates">
          {templates.map((o) => (
            <AttributeOptionTag o={o} selected={props.selected} />
          ))}
        </optgroup>
        {own.length > 0 && (
          <optgroup label="Your duration attributes">
            {own.map((o) => (
              <AttributeOptionTag o={o} selected={props.selected} />
            ))}
          </optgroup>
        )}
        {unknown && (
          <option value={unknown} selected>
            {unknown}
          </option>
        )}
      </select>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
    </li>
  )
}

function AttributeOptionTag(props: { o: AttributeOption; selected: string }) {
  const { o } = props
  return (
    <option value={o.name} selected={props.selected === o.name}>
      {o.owner ? `${o.label} (now filled by ${o.owner})` : o.label}
    </option>
  )
}

interface WorkspaceGroup {
  source: string
  workspace: string
  clients: { client: string | null; projects: MappingProject[] }[]
}

/** Keeps the given order (source, workspace, client, name) and groups consecutive runs. */
export function groupProjects(projects: MappingProject[]): WorkspaceGroup[] {
  const out: WorkspaceGroup[] = []
  for (const p of projects) {
    let ws = out.at(-1)
    if (!ws || ws.workspace !== p.workspace || ws.source !== p.source) {
      ws = { source: p.source, workspace: p.workspace, clients: [] }
      out.push(ws)
    }
    let cl = ws.clients.find((c) => c.client === p.client)
    if (!cl) {
      cl = { client: p.client, projects: [] }
      ws.clients.push(cl)
    }
    cl.projects.push(p)
  }
  for (const ws of out)
    ws.clients.sort((a, b) =>
      a.client === null ? 1 : b.client === null ? -1 : a.client.localeCompare(b.client),
    )
  return out
}
