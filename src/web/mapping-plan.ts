/** The mapping page's logic: which attributes to offer, what a submitted form changes, who would lose an attribute, and applying it. */
import type { AttributeOption } from '../../views/mapping-page.tsx'
import { existAttributes } from '../accounts/exist-session.ts'
import { mapProject } from '../accounts/map-project.ts'
import type { ProjectView } from '../accounts/project-list.ts'
import { ApiError } from '../clients/api-client.ts'
import { InputError } from '../core/input-error.ts'
import { localWindow } from '../core/local-window.ts'
import { DURATION, sortAttributes, TEMPLATES } from '../core/templates.ts'
import type { Deps } from '../deps.ts'
import { attributeRows } from '../store/attribute-store.ts'
import type { User } from '../store/user-store.ts'
import { clearThenUnmap } from '../sync/clear-attributes.ts'
import { longDate, plainError } from './plain-words.ts'

export interface Options {
  options: AttributeOption[]
  /** Set when Exist could not be asked: only the templates are offered, without owners. */
  note?: string
}

/** The six templates plus the user's own duration attributes, each with the other service filling it (if any). */
export async function attributeOptions(deps: Deps, user: User): Promise<Options> {
  const ours = new Set(
    (await attributeRows(deps.db, user.id))
      .filter((a) => a.status === 'owned')
      .map((a) => a.attribute),
  )
  let listed: Awaited<ReturnType<typeof existAttributes>> = []
  let note: string | undefined
  try {
    listed = await existAttributes(deps, user)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    note = `Could not list your Exist attributes (${plainError(error.message)}), so only the templates are offered.`
  }
  const owner = (name: string) => {
    const info = listed.find((a) => a.name === name)
    return ours.has(name) ? null : (info?.service?.label ?? null)
  }
  const options: AttributeOption[] = TEMPLATES.map((t) => ({
    name: t.name,
    label: listed.find((a) => a.name === t.name)?.label ?? t.label,
    template: true,
    owner: owner(t.name),
  }))
  for (const a of listed) {
    if (a.value_type !== DURATION || options.some((o) => o.name === a.name)) continue
    options.push({ name: a.name, label: a.label, template: false, owner: owner(a.name) })
  }
  return note ? { options, note } : { options }
}

export interface Change {
  project: string
  from: string | null
  to: string | null
}

export interface Plan {
  changes: Change[]
  /** Attributes this save starts syncing (acquired from Exist). */
  starting: AttributeOption[]
  /** The starting attributes another service fills now. */
  takeovers: AttributeOption[]
  /** Attributes that lose their last project with this save: they stop syncing and are handed back. */
  stopping: AttributeOption[]
  errors: Record<string, string>
}

/** What the submitted selections change; unknown projects and attributes become field errors. */
export async function planMapping(
  deps: Deps,
  user: User,
  projects: ProjectView[],
  options: AttributeOption[],
  selections: Map<string, string | null>,
): Promise<Plan> {
  const errors: Record<string, string> = {}
  const changes: Change[] = []
  for (const [project, to] of selections) {
    const known = projects.find((p) => p.project === project)
    if (!known) {
      errors[project] = 'Unknown project: press "Refresh projects" and try again'
      continue
    }
    if (to !== null && !options.some((o) => o.name === to) && to !== known.attribute) {
      errors[project] = 'Choose an attribute from the list'
      continue
    }
    if (to !== known.attribute) changes.push({ project, from: known.attribute, to })
  }
  const ours = new Set(
    (await attributeRows(deps.db, user.id))
      .filter((a) => a.status === 'owned')
      .map((a) => a.attribute),
  )
  const startingNames = [
    ...new Set(changes.map((c) => c.to).filter((a): a is string => a !== null && !ours.has(a))),
  ]
  const option = (name: string): AttributeOption =>
    options.find((o) => o.name === name) ?? { name, label: name, template: false, owner: null }
  const starting = startingNames.map(option)
  const after = new Map(projects.map((p) => [p.project, p.attribute]))
  for (const c of changes) after.set(c.project, c.to)
  const still = new Set(after.values())
  const stopping = sortAttributes([
    ...new Set(
      projects
        .map((p) => p.attribute)
        .filter((a): a is string => a !== null && ours.has(a) && !still.has(a)),
    ),
  ]).map(option)
  return {
    changes,
    starting,
    takeovers: starting.filter((o) => o.owner !== null),
    stopping,
    errors,
  }
}

export function windowDays(deps: Deps, user: User): { first: string; last: string; count: number } {
  const w = localWindow(deps.now(), user.timezone, deps.config.syncDays)
  return { first: longDate(w.dates[0]!), last: longDate(w.today), count: w.dates.length }
}

export interface Applied {
  saved: number
  lines: string[]
  errors: Record<string, string>
}

/** Applies the changes one project at a time (each atomic); a failure is reported against its project. */
export async function applyPlan(
  deps: Deps,
  user: User,
  plan: Plan,
  options: AttributeOption[],
  /** Set the stopping attributes to 0 for the window before handing them back. */
  clear = false,
): Promise<Applied> {
  if (!clear || plan.stopping.length === 0) return applyChanges(deps, user, plan, options, false)
  try {
    const { cleared, result } = await clearThenUnmap(
      deps,
      user.id,
      plan.stopping.map((s) => s.name),
      () => applyChanges(deps, user, plan, options, true),
    )
    if (cleared > 0) {
      const days = windowDays(deps, user)
      result.lines.unshift(
        `${plan.stopping.map((s) => s.label).join(', ')}: set to 0 in Exist for ${days.first} – ${days.last}, then handed back to Exist.`,
      )
    }
    return result
  } catch (error) {
    if (!(error instanceof InputError || error instanceof ApiError)) throw error
    const message = error instanceof ApiError ? plainError(error.message) : error.message
    // Nothing was saved: the message goes next to every project of this save.
    return {
      saved: 0,
      lines: [],
      errors: Object.fromEntries(plan.changes.map((c) => [c.project, message])),
    }
  }
}

async function applyChanges(
  deps: Deps,
  user: User,
  plan: Plan,
  options: AttributeOption[],
  cleared: boolean,
): Promise<Applied> {
  const label = (name: string) => options.find((o) => o.name === name)?.label ?? name
  const lines: string[] = []
  const errors: Record<string, string> = {}
  const started: string[] = []
  let saved = 0
  for (const change of sortChanges(plan.changes)) {
    try {
      const result = await mapProject(deps, user.id, change.project, change.to)
      saved++
      if (result.took_over_from)
        lines.push(`Timebridge took ${label(change.to!)} over from ${result.took_over_from}.`)
      if (
        change.to &&
        plan.starting.some((s) => s.name === change.to) &&
        !started.includes(change.to)
      )
        started.push(change.to)
      if (!cleared)
        for (const r of result.released)
          lines.push(`${label(r)} is no longer synced; Exist keeps the values it already has.`)
      for (const p of result.problems)
        lines.push(
          `Exist did not take ${p} back cleanly; it may still list Timebridge as its source.`,
        )
    } catch (error) {
      if (error instanceof InputError || error instanceof ApiError) {
        errors[change.project] =
          error instanceof ApiError ? plainError(error.message) : error.message
        continue
      }
      throw error
    }
  }
  if (started.length) {
    const days = windowDays(deps, user)
    lines.push(
      `${sortAttributes(started).map(label).join(', ')} now ${started.length === 1 ? 'gets' : 'get'} the time you tracked for ${days.first} – ${days.last}; values Exist held for those days are replaced.`,
    )
  }
  return { saved, lines, errors }
}

/** Moves onto an attribute go first, so an attribute that keeps a project is never released in between. */
function sortChanges(changes: Change[]): Change[] {
  return [...changes.filter((c) => c.to !== null), ...changes.filter((c) => c.to === null)]
}

/** Attribute name → label, read before a disconnect deletes the rows. */
export async function attributeLabels(deps: Deps, user: User): Promise<(name: string) => string> {
  const labels = new Map((await attributeRows(deps.db, user.id)).map((a) => [a.attribute, a.label]))
  return (name) => labels.get(name) ?? name
}
