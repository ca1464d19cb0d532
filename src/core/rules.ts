/** Mapping rules: which Exist attribute a time entry feeds, by project, tag, client, workspace or description; the first match wins. */
import { InputError } from './input-error.ts'

export const RULE_KINDS = ['project', 'tag', 'client', 'workspace', 'description'] as const
export type RuleKind = (typeof RULE_KINDS)[number]

export interface Rule {
  kind: RuleKind
  /** `toggl:123` for a project; a name for tag/client/workspace (or a workspace id); any text for description. */
  value: string
  attribute: string
}

/** What a rule can look at in a time entry. Sources fill what they know; the sync adds client and workspace names from its project cache. */
export interface EntryFacts {
  /** `toggl:<id>` / `clockify:<id>`; null for an entry without a project. */
  project: string | null
  tags?: readonly string[]
  description?: string | null
  client?: string | null
  /** The source's workspace id (unprefixed). */
  workspaceId?: string | null
  workspaceName?: string | null
}

/** Longest rule value accepted (a description fragment, a tag or client name). */
export const RULE_VALUE_MAX = 200

/** `tag:reading` → { kind: 'tag', value: 'reading' }; the value keeps everything after the first colon. */
export function parseMatch(text: string): { kind: RuleKind; value: string } {
  const colon = text.indexOf(':')
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase()
  const value = colon < 0 ? '' : text.slice(colon + 1).trim()
  if (!(RULE_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(
      `"${text}" is not a rule: write KIND:VALUE with KIND one of ${RULE_KINDS.join(', ')} (e.g. tag:reading)`,
      'match',
    )
  }
  return { kind: kind as RuleKind, value: checkValue(kind as RuleKind, value) }
}

/** A rule value as the forms and the CLI accept it (trimmed, non-empty, bounded, a prefixed id for projects). */
export function checkValue(kind: RuleKind, raw: string): string {
  const value = raw.trim()
  if (value === '') throw new InputError(`A ${kind} rule needs something to match`, 'value')
  if (value.length > RULE_VALUE_MAX)
    throw new InputError(`A rule matches at most ${RULE_VALUE_MAX} characters`, 'value')
  if (kind === 'project' && !/^(toggl|clockify):[A-Za-z0-9]+$/.test(value))
    throw new InputError(`"${value}" is not a project: write toggl:<id> or clockify:<id>`, 'value')
  return value
}

export function formatMatch(rule: Pick<Rule, 'kind' | 'value'>): string {
  return `${rule.kind}:${rule.value}`
}

const fold = (s: string) => s.toLowerCase()

/**
 * Compiles an ordered rule list into a classifier: the attribute of the first rule the entry
 * matches, or undefined (the entry is not synced). Matching is case-insensitive except for project
 * ids: tag, client and workspace compare whole names (a workspace also by its id), description
 * looks for the text anywhere. A list of project rules only (plain project mappings) is a map lookup.
 */
export function compileRules(rules: readonly Rule[]): (entry: EntryFacts) => string | undefined {
  if (rules.every((r) => r.kind === 'project')) {
    const byProject = new Map<string, string>()
    // First match wins: a later rule for the same project never overrides an earlier one.
    for (const r of rules) if (!byProject.has(r.value)) byProject.set(r.value, r.attribute)
    return (entry) => (entry.project === null ? undefined : byProject.get(entry.project))
  }
  const tests = rules.map((r) => ({ attribute: r.attribute, test: ruleTest(r) }))
  return (entry) => tests.find((t) => t.test(entry))?.attribute
}

/** The attribute of the first rule the entry matches (one entry; compile once for many). */
export function matchEntry(rules: readonly Rule[], entry: EntryFacts): string | undefined {
  return compileRules(rules)(entry)
}

function ruleTest(rule: Rule): (entry: EntryFacts) => boolean {
  const v = fold(rule.value)
  switch (rule.kind) {
    case 'project':
      return (e) => e.project === rule.value
    case 'tag':
      return (e) => (e.tags ?? []).some((t) => fold(t) === v)
    case 'client':
      return (e) => e.client != null && fold(e.client) === v
    case 'workspace':
      return (e) =>
        (e.workspaceId != null && e.workspaceId === rule.value) ||
        (e.workspaceName != null && fold(e.workspaceName) === v)
    case 'description':
      return (e) => e.description != null && fold(e.description).includes(v)
  }
}

/**
 * The one ordered list a run evaluates: the user's rules in their order, then the project mappings
 * of the mapping page (an entry has one project, so those never compete with each other). With no
 * rules this is exactly the project mapping Timebridge always had.
 */
export function evaluationOrder(
  rules: readonly Rule[],
  mappings: readonly { project: string; attribute: string }[],
): Rule[] {
  return [
    ...rules,
    ...mappings.map((m) => ({
      kind: 'project' as const,
      value: m.project,
      attribute: m.attribute,
    })),
  ]
}

/** Every attribute some rule feeds, sorted. */
export function ruleAttributes(rules: readonly Rule[]): string[] {
  return [...new Set(rules.map((r) => r.attribute))].sort()
}

/**
 * Adds what entries don't carry themselves: the client (from the entry's project) and the
 * workspace name (from any cached project of that workspace). Entries are copied, not changed.
 */
export function addProjectFacts<T extends EntryFacts>(
  entries: readonly T[],
  projects: readonly {
    project: string
    clientName: string | null
    workspaceId: string
    workspaceName: string
  }[],
): T[] {
  const byProject = new Map(projects.map((p) => [p.project, p]))
  const workspaceNames = new Map(projects.map((p) => [p.workspaceId, p.workspaceName]))
  return entries.map((e) => {
    const p = e.project === null ? undefined : byProject.get(e.project)
    const workspaceId = e.workspaceId ?? p?.workspaceId ?? null
    return {
      ...e,
      client: e.client ?? p?.clientName ?? null,
      workspaceId,
      workspaceName:
        e.workspaceName ??
        (workspaceId === null ? null : (workspaceNames.get(workspaceId) ?? null)),
    }
  })
}

/** Whether a rule list needs the cached projects' client and workspace names. */
export const needsProjectFacts = (rules: readonly Rule[]) =>
  rules.some((r) => r.kind === 'client' || r.kind === 'workspace')
