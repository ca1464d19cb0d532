/**
 * What a rule would catch, before it is saved: one read of the window's entries per connected
 * source (Toggl: one request; Clockify: one per workspace), only on an explicit Preview — never per
 * keystroke — evaluated with the rule in its place among the user's rules and project mappings.
 */

import { bucketMinutes, type TimeEntry } from '../core/bucket-minutes.ts'
import { localWindow, overFetchStart } from '../core/local-window.ts'
import { addProjectFacts, compileRules, evaluationOrder, type Rule } from '../core/rules.ts'
import type { Deps } from '../deps.ts'
import { mappingRows } from '../store/attribute-store.ts'
import { cachedProjects } from '../store/project-cache.ts'
import { ruleRows } from '../store/rule-store.ts'
import { connectedSources, getUser } from '../store/user-store.ts'
import { readerFor } from './source-readers.ts'

export interface RulePreview {
  /** Entries of the window whose first matching rule would be this one. */
  entries: number
  /** Their minutes over the window's days (each day rounded once, as the sync does). */
  minutes: number
  days: number
}

/** A name no attribute can have (attribute names are `[a-z0-9_]`), so only this rule's entries land on it. */
const PREVIEW = 'Preview rule'

export async function previewRule(
  deps: Deps,
  userId: number,
  rule: Pick<Rule, 'kind' | 'value'>,
  position: number,
): Promise<RulePreview> {
  const { db } = deps
  const user = await getUser(db, userId)
  const window = localWindow(deps.now(), user.timezone, deps.config.syncDays)
  const rules = await ruleRows(db, userId)
  const list: Rule[] = [...rules]
  list.splice(Math.min(Math.max(position, 1), rules.length + 1) - 1, 0, {
    ...rule,
    attribute: PREVIEW,
  })
  const order = evaluationOrder(list, await mappingRows(db, userId))
  const read: TimeEntry[] = []
  for (const conn of await connectedSources(db, userId)) {
    const reader = await readerFor(deps, conn)
    read.push(...(await reader.entries(overFetchStart(window), deps.now())).entries)
  }
  const entries = addProjectFacts(read, await cachedProjects(db, userId))
  const [first, end] = [window.bounds[0]!, window.bounds.at(-1)!]
  const now = deps.now()
  const attributeOf = compileRules(order)
  const caught = entries.filter(
    (e) => attributeOf(e) === PREVIEW && e.startMs < end && (e.stopMs ?? now) > first,
  )
  const perDay = bucketMinutes(caught, order, window, now).get(PREVIEW)
  let minutes = 0
  for (const m of perDay?.values() ?? []) minutes += m
  return { entries: caught.length, minutes, days: window.dates.length }
}
