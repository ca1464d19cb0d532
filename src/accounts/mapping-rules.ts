/** Mapping rules as people change them: list, add (acquiring the attribute), edit, move and remove (releasing an attribute nothing feeds any more). */

import { InputError } from '../core/input-error.ts'
import {
  checkValue,
  evaluationOrder,
  formatMatch,
  type Rule,
  type RuleKind,
} from '../core/rules.ts'
import type { Deps } from '../deps.ts'
import {
  attributeRows,
  forgetAttributes,
  mappingRows,
  ownStatements,
} from '../store/attribute-store.ts'
import { atomically, type Statement } from '../store/database.ts'
import { findProject } from '../store/project-cache.ts'
import { type RuleRow, ruleRows, writeRules } from '../store/rule-store.ts'
import { getUser } from '../store/user-store.ts'
import { existFor } from './exist-session.ts'
import { ATTRIBUTE_NAME, takeAttribute } from './map-project.ts'
import { releaseAttributes } from './release-attributes.ts'

/** One line of `rules --json`: the evaluation order, user rules first, then the project mappings. */
export interface RuleView {
  /** 1-based place in the evaluation order. */
  position: number
  /** `KIND:VALUE`, as `rule add --match` takes it. */
  match: string
  attribute: string
  /** `rule` for the user's ordered rules; `mapping` for a project mapping (changed with `map`). */
  from: 'rule' | 'mapping'
}

export async function listRules(deps: Deps, userId: number): Promise<RuleView[]> {
  await getUser(deps.db, userId)
  const rules = await ruleRows(deps.db, userId)
  const order = evaluationOrder(rules, await mappingRows(deps.db, userId))
  return order.map((r, i) => ({
    position: i + 1,
    match: formatMatch(r),
    attribute: r.attribute,
    from: i < rules.length ? 'rule' : 'mapping',
  }))
}

export interface RuleChange {
  user: number
  rules: RuleView[]
  /** Set when acquiring took the attribute from another service (e.g. RescueTime). */
  took_over_from: string | null
  /** Attributes no longer fed by anything, handed back to Exist. */
  released: string[]
  problems: string[]
}

/** Inserts a rule at `position` (1-based; default: after the user's last rule). */
export async function addRule(
  deps: Deps,
  userId: number,
  rule: Rule,
  position?: number,
): Promise<RuleChange> {
  const rules = await ruleRows(deps.db, userId)
  const at = position ?? rules.length + 1
  checkPosition(at, rules.length + 1)
  const next: (Rule & { id?: number })[] = [...rules]
  next.splice(at - 1, 0, rule)
  return applyRules(deps, userId, next)
}

/** Replaces the rule at `position` (what it matches and where it goes). */
export async function editRule(
  deps: Deps,
  userId: number,
  position: number,
  rule: Rule,
): Promise<RuleChange> {
  const rules = await ruleRows(deps.db, userId)
  checkPosition(position, rules.length)
  const next: (Rule & { id?: number })[] = [...rules]
  next[position - 1] = { ...rule, id: rules[position - 1]!.id }
  return applyRules(deps, userId, next)
}

/** Moves the rule at `from` to `to` (both 1-based). */
export async function moveRule(
  deps: Deps,
  userId: number,
  from: number,
  to: number,
): Promise<RuleChange> {
  const rules = await ruleRows(deps.db, userId)
  checkPosition(from, rules.length)
  checkPosition(to, rules.length)
  const next = [...rules]
  const [moved] = next.splice(from - 1, 1)
  next.splice(to - 1, 0, moved!)
  return applyRules(deps, userId, next)
}

export async function removeRule(
  deps: Deps,
  userId: number,
  position: number,
): Promise<RuleChange> {
  const rules = await ruleRows(deps.db, userId)
  checkPosition(position, rules.length)
  return applyRules(
    deps,
    userId,
    rules.filter((_, i) => i !== position - 1),
  )
}

function checkPosition(position: number, max: number) {
  if (!Number.isInteger(position) || position < 1 || position > max) {
    throw new InputError(
      max === 0 ? 'There are no rules yet' : `Position must be a whole number from 1 to ${max}`,
      'position',
    )
  }
}

/**
 * Writes the new ordered list: attributes a rule newly names are acquired first (a refusal changes
 * nothing), the list and the ledger settling go in one batch, and attributes nothing feeds any more
 * are then forgotten and released, exactly as unmapping a last project does.
 */
async function applyRules(
  deps: Deps,
  userId: number,
  next: readonly (Rule & { id?: number })[],
): Promise<RuleChange> {
  const { db } = deps
  const user = await getUser(db, userId)
  for (const r of next) await checkRule(deps, userId, r)
  const maps = await mappingRows(db, userId)
  const rows = await attributeRows(db, userId)
  const used = new Set([...maps.map((m) => m.attribute), ...next.map((r) => r.attribute)])
  const before = new Set([
    ...maps.map((m) => m.attribute),
    ...(await ruleRows(db, userId)).map((r) => r.attribute),
  ])
  const orphaned = [...before].filter((a) => !used.has(a)).sort()

  const exist = await existFor(deps, user)
  const statements: Statement[] = []
  let tookOverFrom: string | null = null
  for (const attribute of new Set(next.map((r) => r.attribute))) {
    const taken = await takeAttribute(deps, user, exist, attribute, rows)
    tookOverFrom ??= taken.tookOverFrom
    statements.push(...taken.statements)
    if (taken.statements.length > 0)
      statements.push(...ownStatements(db, userId, attribute, taken.label, deps.now()))
  }
  statements.push(...writeRules(db, userId, next), ...forgetAttributes(db, userId, orphaned))
  await atomically(db, statements, { durable: true })
  const problems = orphaned.length ? await releaseAttributes(exist, orphaned, deps.log) : []
  return {
    user: userId,
    rules: await listRules(deps, userId),
    took_over_from: tookOverFrom,
    released: orphaned,
    problems,
  }
}

async function checkRule(deps: Deps, userId: number, rule: Rule): Promise<void> {
  if (!ATTRIBUTE_NAME.test(rule.attribute))
    throw new InputError(`"${rule.attribute}" is not an Exist attribute name`, 'attribute')
  checkValue(rule.kind as RuleKind, rule.value)
  if (rule.kind === 'project' && !(await findProject(deps.db, userId, rule.value)))
    throw new InputError(
      `Unknown project "${rule.value}" for user ${userId} (see "projects --user ${userId}")`,
      'value',
    )
}

export type { RuleRow }
