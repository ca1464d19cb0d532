/**
 * Rules by tag, client, workspace and description converge: through random sequences of entry edits
 * and rule adds, edits, moves and removals, the planner's writes leave Exist equal to an independent
 * oracle (its own first-match classifier, luxon day walks) on every day of the window.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bucketMinutes, type TimeEntry } from '../../src/core/bucket-minutes.ts'
import { localWindow } from '../../src/core/local-window.ts'
import { type LedgerRow, planWrites } from '../../src/core/plan-writes.ts'
import { addProjectFacts, type Rule, ruleAttributes } from '../../src/core/rules.ts'
import { trueMinutes } from '../helpers/oracle.ts'

const ZONE = 'Europe/Berlin'
const START = Date.parse('2026-10-20T10:00:00Z') // the window crosses the end of DST (Oct 25)
const HOUR = 3_600_000
const TAGS = ['Reading', 'deep', 'TV']
const WORDS = ['dune', 'Standup', 'garden news', '']
const PROJECTS = [
  { project: 'toggl:1', clientName: 'ACME', workspaceId: '10', workspaceName: 'Work' },
  { project: 'toggl:2', clientName: 'Netflix night', workspaceId: '20', workspaceName: 'Home' },
  { project: 'toggl:3', clientName: null, workspaceId: '20', workspaceName: 'Home' },
]
const ATTRS = ['productive_min', 'tv_min', 'gaming_min']

interface Entry {
  project: string | null
  workspaceId: string
  tags: string[]
  description: string
  start: number
  stop: number
}

const entryArb = fc.record({
  project: fc.constantFrom(null, 'toggl:1', 'toggl:2', 'toggl:3'),
  workspaceId: fc.constantFrom('10', '20'),
  tags: fc.subarray(TAGS),
  description: fc.constantFrom(...WORDS),
  offset: fc.integer({ min: -16 * 24, max: 0 }),
  minutes: fc.integer({ min: 1, max: 600 }),
})
const ruleArb = fc.oneof(
  fc.record({ kind: fc.constant('tag' as const), value: fc.constantFrom('reading', 'DEEP', 'tv') }),
  fc.record({
    kind: fc.constant('client' as const),
    value: fc.constantFrom('acme', 'NETFLIX NIGHT'),
  }),
  fc.record({
    kind: fc.constant('workspace' as const),
    value: fc.constantFrom('home', 'WORK', '10'),
  }),
  fc.record({
    kind: fc.constant('description' as const),
    value: fc.constantFrom('dun', 'NEWS', 'stand'),
  }),
  fc.record({
    kind: fc.constant('project' as const),
    value: fc.constantFrom('toggl:1', 'toggl:3'),
  }),
)
const opArb = fc.oneof(
  fc.record({ op: fc.constant('add-entry' as const), entry: entryArb }),
  fc.record({ op: fc.constant('edit-entry' as const), at: fc.nat(), entry: entryArb }),
  fc.record({ op: fc.constant('delete-entry' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('add-rule' as const),
    rule: ruleArb,
    attribute: fc.constantFrom(...ATTRS),
    at: fc.nat(),
  }),
  fc.record({
    op: fc.constant('edit-rule' as const),
    at: fc.nat(),
    rule: ruleArb,
    attribute: fc.constantFrom(...ATTRS),
  }),
  fc.record({ op: fc.constant('move-rule' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('remove-rule' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 30 }) }),
)

/** The oracle's own first-match classifier: written from the rule text, sharing nothing with core/rules.ts. */
function oracleAttribute(rules: Rule[], e: Entry): string | undefined {
  const p = PROJECTS.find((x) => x.project === e.project)
  const wsName = PROJECTS.find((x) => x.workspaceId === e.workspaceId)?.workspaceName
  for (const r of rules) {
    const want = r.value.toUpperCase()
    let hit = false
    if (r.kind === 'project') hit = e.project === r.value
    if (r.kind === 'tag') hit = e.tags.some((t) => t.toUpperCase() === want)
    if (r.kind === 'client') hit = (p?.clientName ?? '').toUpperCase() === want && !!p?.clientName
    if (r.kind === 'workspace') hit = e.workspaceId === r.value || wsName?.toUpperCase() === want
    if (r.kind === 'description') hit = e.description.toUpperCase().indexOf(want) >= 0
    if (hit) return r.attribute
  }
  return undefined
}

describe('rules converge through random edits and reorders', () => {
  it('Exist equals the oracle after every run', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        let now = START
        const entries: Entry[] = []
        let rules: Rule[] = []
        const ledger = new Map<string, LedgerRow>()
        const exist = new Map<string, number>()
        const toEntry = (x: {
          project: string | null
          workspaceId: string
          tags: string[]
          description: string
          offset: number
          minutes: number
        }): Entry => {
          const start = now + x.offset * HOUR
          // Entries with a project live in that project's workspace, as in Toggl.
          const ws = PROJECTS.find((p) => p.project === x.project)?.workspaceId ?? x.workspaceId
          return { ...x, workspaceId: ws, start, stop: Math.min(start + x.minutes * 60_000, now) }
        }
        const changeRules = (next: Rule[]) => {
          const before = new Set(rules.map((r) => r.attribute))
          const after = new Set(next.map((r) => r.attribute))
          const { dates } = localWindow(now, ZONE, 14)
          // As the accounts layer does: a newly fed attribute settles every window day absolutely,
          // one nothing feeds any more is forgotten (Exist keeps its values, nobody checks them).
          for (const a of after)
            if (!before.has(a))
              for (const date of dates)
                ledger.set(`${a}|${date}`, { attribute: a, date, value: 0, pending: true })
          for (const key of [...ledger.keys()])
            if (!after.has(key.split('|')[0]!)) ledger.delete(key)
          rules = next
        }
        const run = () => {
          const window = localWindow(now, ZONE, 14)
          const attributes = ruleAttributes(rules)
          const facts: TimeEntry[] = addProjectFacts(
            entries.map((e) => ({
              project: e.project,
              tags: e.tags,
              description: e.description,
              workspaceId: e.workspaceId,
              startMs: e.start,
              stopMs: e.stop,
            })),
            PROJECTS,
          )
          const targets = bucketMinutes(facts, rules, window, now)
          const writes = planWrites({
            targets,
            attributes,
            dates: window.dates,
            ledger: [...ledger.values()].filter((r) => window.dates.includes(r.date)),
          })
          for (const w of writes) {
            const key = `${w.attribute}|${w.date}`
            expect(w.op === 'increment' ? w.value > 0 : w.value >= 0).toBe(true)
            exist.set(key, w.op === 'update' ? w.value : (exist.get(key) ?? 0) + w.value)
            ledger.set(key, {
              attribute: w.attribute,
              date: w.date,
              value: w.target,
              pending: false,
            })
          }
          const truth = trueMinutes(
            entries.flatMap((e) => {
              const a = oracleAttribute(rules, e)
              return a ? [{ project: a, start: e.start, stop: e.stop }] : []
            }),
            new Map(attributes.map((a) => [a, a])),
            ZONE,
            window.dates,
            now,
          )
          for (const [a, days] of truth)
            for (const [date, minutes] of days)
              expect([a, date, exist.get(`${a}|${date}`) ?? 0]).toEqual([a, date, minutes])
        }
        for (const o of ops) {
          if (o.op === 'add-entry') entries.push(toEntry(o.entry))
          if (o.op === 'edit-entry' && entries.length)
            entries[o.at % entries.length] = toEntry(o.entry)
          if (o.op === 'delete-entry' && entries.length) entries.splice(o.at % entries.length, 1)
          if (o.op === 'add-rule') {
            const next = [...rules]
            next.splice(o.at % (rules.length + 1), 0, { ...o.rule, attribute: o.attribute })
            changeRules(next)
          }
          if (o.op === 'edit-rule' && rules.length) {
            const next = [...rules]
            next[o.at % rules.length] = { ...o.rule, attribute: o.attribute }
            changeRules(next)
          }
          if (o.op === 'move-rule' && rules.length) {
            const next = [...rules]
            const [r] = next.splice(o.from % rules.length, 1)
            next.splice(o.to % rules.length, 0, r!)
            changeRules(next)
          }
          if (o.op === 'remove-rule' && rules.length) {
            changeRules(rules.filter((_, i) => i !== o.at % rules.length))
          }
          if (o.op === 'wait') now += o.hours * HOUR
          run()
        }
      }),
      { numRuns: 150 },
    )
  })
})
