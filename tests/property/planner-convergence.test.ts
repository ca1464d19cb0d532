/** Property: whatever sequence of entry edits, remaps, clock moves and push faults, a clean run leaves Exist equal to the truth. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/clients/api-client.ts'
import type { ExistClient, ExistWriteItem } from '../../src/clients/exist/exist-client.ts'
import { pushWrites } from '../../src/clients/exist/push-writes.ts'
import { bucketMinutes } from '../../src/core/bucket-minutes.ts'
import { localWindow } from '../../src/core/local-window.ts'
import { type BatchOutcome, type LedgerRow, planWrites } from '../../src/core/plan-writes.ts'
import { type OracleEntry, trueMinutes } from '../helpers/oracle.ts'

const MIN = 60_000
const PROJECTS = ['toggl:1', 'toggl:2', 'toggl:3', 'clockify:a']
const ATTRIBUTES = ['productive_min', 'tv_min']
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
]
// Starts just before DST changes in both hemispheres, and an ordinary day.
const STARTS = [
  '2026-03-27T20:00:00Z',
  '2026-10-23T18:00:00Z',
  '2026-04-03T09:00:00Z',
  '2026-11-20T12:00:00Z',
]

type Fault =
  | { kind: 'none' }
  | { kind: 'lose'; batch: number }
  | { kind: 'fail'; batch: number }
  | { kind: 'refuse'; nth: number }
  | { kind: 'quota'; batch: number }
type Step =
  | { kind: 'create'; project: number; offsetSec: number; durationSec: number | null }
  | { kind: 'edit'; idx: number; deltaMin: number }
  | { kind: 'move'; idx: number; shiftMin: number }
  | { kind: 'delete'; idx: number }
  | { kind: 'remap'; project: number; attribute: number | null }
  | { kind: 'advance'; seconds: number }
  | { kind: 'run'; fault: Fault }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      project: fc.nat(3),
      offsetSec: fc.integer({ min: -16 * 86_400, max: 3_600 }),
      durationSec: fc.option(fc.integer({ min: 0, max: 108_000 }), { freq: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      idx: fc.nat(),
      deltaMin: fc.integer({ min: -300, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      idx: fc.nat(),
      shiftMin: fc.integer({ min: -3 * 1440, max: 3 * 1440 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), idx: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('remap' as const),
      project: fc.nat(3),
      attribute: fc.option(fc.nat(1), { freq: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.integer({ min: 1, max: 2 * 86_400 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      fault: fc.oneof(
        { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('lose' as const), batch: fc.nat(2) }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('fail' as const), batch: fc.nat(2) }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('refuse' as const), nth: fc.nat(40) }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('quota' as const), batch: fc.nat(2) }),
        },
      ),
    }),
  },
)

/** Exist's write semantics in memory, with one injected fault per run. */
function simulatedExist(values: Map<string, number>, fault: Fault): ExistClient {
  let batch = 0
  let item = 0
  const key = (i: ExistWriteItem) => `${i.name}|${i.date}`
  return {
    requests: 0,
    async write(op: 'increment' | 'update', items: ExistWriteItem[]) {
      const n = batch++
      if (fault.kind === 'fail' && fault.batch === n)
        throw new ApiError('exist', 'server', 'Exist failed (HTTP 503)', 503)
      if (fault.kind === 'quota' && fault.batch === n)
        throw new ApiError('exist', 'rate-limit', 'Exist rate limit', 429)
      const success: { name: string; date: string; value: number }[] = []
      const failed: { name: string; date: string; error_code: string; error: string }[] = []
      for (const i of items) {
        expect(Number.isInteger(i.value)).toBe(true)
        if (op === 'increment') expect(i.value).toBeGreaterThan(0)
        else expect(i.value).toBeGreaterThanOrEqual(0)
        if (fault.kind === 'refuse' && fault.nth === item++) {
          failed.push({
            name: i.name,
            date: i.date,
            error_code: 'validation',
            error: 'refused by test',
          })
          continue
        }
        values.set(key(i), op === 'increment' ? (values.get(key(i)) ?? 0) + i.value : i.value)
        success.push(i)
      }
      // The write was applied, but the answer never arrived.
      if (fault.kind === 'lose' && fault.batch === n)
        throw new ApiError('exist', 'network', 'Exist did not answer', undefined)
      return { status: failed.length ? 202 : 200, body: { success, failed } }
    },
  } as unknown as ExistClient
}

describe('planner convergence (property)', () => {
  it('converges to the true minutes after every clean run, never sending a negative or fractional value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...STARTS),
        fc.array(step, { minLength: 1, maxLength: 30 }),
        async (zone, startIso, steps) => {
          let now = Date.parse(startIso)
          const entries: OracleEntry[] = []
          const attributeOf = new Map<string, string>([['toggl:1', 'productive_min']])
          const ledger = new Map<string, LedgerRow>()
          const exist = new Map<string, number>()

          const settle = (attribute: string) => {
            // Newly mapped attribute: the next run sets absolute totals (as mapProject does).
            for (const date of localWindow(now, zone, 14).dates)
              ledger.set(`${attribute}|${date}`, { attribute, date, value: 0, pending: true })
          }
          settle('productive_min')

          const run = async (fault: Fault) => {
            const window = localWindow(now, zone, 14)
            const attributes = [...new Set(attributeOf.values())].sort()
            const targets = bucketMinutes(
              entries.map((e) => ({ project: e.project, startMs: e.start, stopMs: e.stop })),
              attributeOf,
              window,
              now,
            )
            const writes = planWrites({
              targets,
              attributes,
              dates: window.dates,
              ledger: [...ledger.values()],
            })
            for (const w of writes) {
              expect(window.dates).toContain(w.date)
              ledger.set(`${w.attribute}|${w.date}`, {
                attribute: w.attribute,
                date: w.date,
                value: w.target,
                pending: true,
              })
            }
            await pushWrites(simulatedExist(exist, fault), writes, async (o: BatchOutcome) => {
              for (const w of o.confirmed) ledger.get(`${w.attribute}|${w.date}`)!.pending = false
            })
            if (fault.kind !== 'none') return
            const truth = trueMinutes(entries, attributeOf, zone, window.dates, now)
            for (const attribute of attributes) {
              for (const date of window.dates) {
                expect({ attribute, date, value: exist.get(`${attribute}|${date}`) ?? 0 }).toEqual({
                  attribute,
                  date,
                  value: truth.get(attribute)!.get(date),
                })
              }
            }
          }

          for (const s of steps) {
            const pick = (idx: number) =>
              entries.length ? entries[idx % entries.length] : undefined
            switch (s.kind) {
              case 'create': {
                const start = now + s.offsetSec * 1000
                entries.push({
                  project: PROJECTS[s.project]!,
                  start,
                  stop: s.durationSec === null ? null : start + s.durationSec * 1000,
                })
                break
              }
              case 'edit': {
                const e = pick(s.idx)
                if (e && e.stop !== null) e.stop = Math.max(e.start, e.stop + s.deltaMin * MIN)
                break
              }
              case 'move': {
                const e = pick(s.idx)
                if (e) {
                  e.start += s.shiftMin * MIN
                  if (e.stop !== null) e.stop += s.shiftMin * MIN
                }
                break
              }
              case 'delete':
                if (entries.length) entries.splice(s.idx % entries.length, 1)
                break
              case 'remap': {
                const project = PROJECTS[s.project]!
                const before = attributeOf.get(project)
                const after = s.attribute === null ? undefined : ATTRIBUTES[s.attribute]!
                const wasMapped = after !== undefined && [...attributeOf.values()].includes(after)
                if (after) attributeOf.set(project, after)
                else attributeOf.delete(project)
                if (after && !wasMapped) settle(after)
                if (before && ![...attributeOf.values()].includes(before)) {
                  // Unmapping the last project: its ledger rows go, Exist keeps its values.
                  for (const k of [...ledger.keys()])
                    if (k.startsWith(`${before}|`)) ledger.delete(k)
                }
                break
              }
              case 'advance':
                now += s.seconds * 1000
                break
              case 'run':
                await run(s.fault)
                break
            }
          }
          await run({ kind: 'none' })
        },
      ),
      { numRuns: 300 },
    )
  })
})
