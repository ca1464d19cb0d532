/** Mapping a project to an Exist attribute (acquiring it the first time), or unmapping it (releasing it when unused). */

import { ApiError } from '../clients/api-client.ts'
import type { ExistClient } from '../clients/exist/exist-client.ts'
import type { ExistAttribute } from '../clients/exist/exist-schemas.ts'
import { InputError } from '../core/input-error.ts'
import { localWindow } from '../core/local-window.ts'
import { DURATION, isTemplate, TEMPLATES } from '../core/templates.ts'
import type { Deps } from '../deps.ts'
import {
  type AttributeRow,
  attributeRows,
  deleteMapping,
  forgetAttributes,
  mappingRows,
  mapStatements,
} from '../store/attribute-store.ts'
import { atomically, type Statement } from '../store/database.ts'
import { markPending } from '../store/ledger-store.ts'
import { findProject } from '../store/project-cache.ts'
import { ruleRows } from '../store/rule-store.ts'
import { getUser, type User } from '../store/user-store.ts'
import { existFor } from './exist-session.ts'
import { releaseAttributes } from './release-attributes.ts'

export interface MapResult {
  user: number
  project: string
  attribute: string | null
  previous: string | null
  /** Set when acquiring took the attribute from another service (e.g. RescueTime). */
  took_over_from: string | null
  /** Attributes no longer mapped, handed back to Exist. */
  released: string[]
  problems: string[]
}

export const ATTRIBUTE_NAME = /^[a-z0-9_]{1,100}$/

export async function mapProject(
  deps: Deps,
  userId: number,
  project: string,
  attribute: string | null,
): Promise<MapResult> {
  const { db } = deps
  const user = await getUser(db, userId)
  const known = await findProject(db, userId, project)
  const maps = await mappingRows(db, userId)
  const current = maps.find((m) => m.project === project)
  if (!known && !current) {
    // A bare id (as Toggl and Clockify show it) is one prefix away from a known project.
    let guess: string | undefined
    for (const prefixed of project.includes(':') ? [] : [`toggl:${project}`, `clockify:${project}`])
      if (!guess && (await findProject(db, userId, prefixed))) guess = prefixed
    throw new InputError(
      guess
        ? `Unknown project "${project}": did you mean ${guess}?`
        : `Unknown project "${project}" for user ${userId} (see "projects --user ${userId}")`,
      'project',
    )
  }
  if (attribute !== null && !ATTRIBUTE_NAME.test(attribute)) {
    throw new InputError(`"${attribute}" is not an Exist attribute name`, 'attribute')
  }

  const previous = current?.attribute ?? null
  const rows = await attributeRows(db, userId)
  const stillUsed = new Set(maps.filter((m) => m.project !== project).map((m) => m.attribute))
  // A rule feeding the attribute keeps it synced after its last project mapping goes.
  for (const r of await ruleRows(db, userId)) stillUsed.add(r.attribute)
  if (attribute) stillUsed.add(attribute)
  const orphaned = previous && !stillUsed.has(previous) ? [previous] : []

  const exist = await existFor(deps, user)
  let tookOverFrom: string | null = null
  let label = attribute ?? ''
  const statements: Statement[] = []
  if (attribute) {
    const taken = await takeAttribute(deps, user, exist, attribute, rows)
    ;({ tookOverFrom, label } = taken)
    statements.push(...taken.statements)
    statements.push(...mapStatements(db, userId, project, attribute, label, deps.now()))
  } else if (current) {
    statements.push(deleteMapping(db, userId, project))
  }
  statements.push(...forgetAttributes(db, userId, orphaned))
  await atomically(db, statements, { durable: true })

  const problems = orphaned.length ? await releaseAttributes(exist, orphaned, deps.log) : []
  return {
    user: userId,
    project,
    attribute,
    previous,
    took_over_from: tookOverFrom,
    released: orphaned,
    problems,
  }
}

/**
 * Makes sure we own an attribute before something feeds it: acquires it unless owned, and then
 * marks every window day pending — Exist may already hold values for these days (another service's,
 * or ours from an earlier mapping), so the next run sets absolute totals instead of adding to them.
 */
export async function takeAttribute(
  deps: Deps,
  user: User,
  exist: ExistClient,
  attribute: string,
  rows: readonly AttributeRow[],
): Promise<{ tookOverFrom: string | null; label: string; statements: Statement[] }> {
  const row = rows.find((r) => r.attribute === attribute)
  if (row?.status === 'owned') return { tookOverFrom: null, label: row.label, statements: [] }
  const { tookOverFrom, label } = await acquire(exist, attribute)
  return { tookOverFrom, label, statements: settleStatements(deps, user, attribute) }
}

/** Every window day of a newly owned attribute pending at 0: the next run sends absolute totals. */
export function settleStatements(deps: Deps, user: User, attribute: string): Statement[] {
  const { dates } = localWindow(deps.now(), user.timezone, deps.config.syncDays)
  const settle = dates.map((date) => ({
    op: 'update' as const,
    attribute,
    date,
    value: 0,
    target: 0,
  }))
  return markPending(deps.db, user.id, settle, deps.now())
}

/** Acquires with the template when there is one (it creates the attribute if the user lacks it). */
async function acquire(
  exist: ExistClient,
  attribute: string,
): Promise<{ tookOverFrom: string | null; label: string }> {
  let info: ExistAttribute | undefined
  try {
    ;[info] = (await exist.attributes({ names: [attribute] })).filter((a) => a.name === attribute)
  } catch (error) {
    throw asInput(error)
  }
  if (!info && !isTemplate(attribute)) {
    const choices = TEMPLATES.map((t) => t.name).join(', ')
    throw new InputError(
      `Unknown attribute "${attribute}": use one of ${choices}, a duration attribute you have in Exist, or none`,
      'attribute',
    )
  }
  if (info && info.value_type !== DURATION) {
    throw new InputError(
      `"${attribute}" is not a duration attribute in Exist, so it can't take minutes`,
      'attribute',
    )
  }
  const item =
    isTemplate(attribute) && (!info || info.template === attribute)
      ? { template: attribute }
      : { name: attribute }
  let res: Awaited<ReturnType<ExistClient['acquire']>>
  try {
    res = await exist.acquire([item])
  } catch (error) {
    throw asInput(error)
  }
  const failed = res.body.failed[0]
  if (failed || !res.body.success.some((s) => s.name === attribute)) {
    throw new InputError(
      `Exist would not hand over "${attribute}": ${failed?.error ?? 'no confirmation in its answer'}`,
      'attribute',
    )
  }
  return {
    tookOverFrom: info?.service?.label ?? null,
    label: info?.label ?? TEMPLATES.find((t) => t.name === attribute)?.label ?? attribute,
  }
}

function asInput(error: unknown): unknown {
  return error instanceof ApiError
    ? new InputError(`Could not reach Exist: ${error.message}`, 'attribute')
    : error
}
