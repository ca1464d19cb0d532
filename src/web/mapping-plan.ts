/** The mapping page's logic: which attributes to offer, what a submitted form changes, who would lose an attribute, and applying it. */

import type { AttributeOption } from '../../views/mapping-page.tsx'
import { existAttributes } from '../accounts/exist-session.ts'
import { mapProject } from '../accounts/map-project.ts'
import type { ProjectView } from '../accounts/project-list.ts'
import { ApiError } from '../clients/api-client.ts'
import { InputError } from '../core/input-error.ts'
import { localWindow } from '../core/local-window.ts'
import { DURATION, TEMPLATES } from '../core/templates.ts'
import type { Deps } from '../deps.ts'
import { attributeRows } from '../store/attribute-store.ts'
import type { User } from '../store/user-store.ts'
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
  const starting = startingNames.map(
    (name) =>
      options.find((o) => o.name === name) ?? { name, label: name, template: false, owner: null },
  )
  return { changes, starting, takeovers: starting.filter((o) => o.owner !== null), errors }
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
): Promise<Applied> {
  const label = (name: string) => options.find((o) => o.name === name)?.label ?? name
  const lines: string[] = []
  const errors: Record<string, string> = {}
  const started: string[] = []
  let saved = 0
  for (const change of plan.changes) {
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
      for (const r of result.released) {
        lines.push(
          `${label(r)} is no longer synced; Exist keeps the values it has (use Zero Out before unmapping to clear them).`,
        )
      }
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
      `The next sync sets ${started.map(label).join(', ')} for ${days.first} – ${days.last} to the time you tracked; values Exist holds for those days are replaced.`,
    )
  }
  return { saved, lines, errors }
}

/** Attribute name → label, read before a disconnect deletes the rows. */
export async function attributeLabels(deps: Deps, user: User): Promise<(name: string) => string> {
  const labels = new Map((await attributeRows(deps.db, user.id)).map((a) => [a.attribute, a.label]))
  return (name) => labels.get(name) ?? name
}
