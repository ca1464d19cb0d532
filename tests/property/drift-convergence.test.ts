/**
 * Property, on the loopback fakes: whatever mix of tracked-time edits, hand edits in Exist, lost answers
 * and attributes taken away and handed back, with "repair drift automatically" on, the run with the next
 * daily check (and the one after, for lost answers) leaves Exist equal to the truth; then an hourly run
 * makes no Exist request.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { localWindow } from '../../src/core/local-window.ts'
import { atomically } from '../../src/store/database.ts'
import { setRepairDrift } from '../../src/store/exist-values-store.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, DAY, HOUR, MINUTE } from '../helpers/harness.ts'
import { expectExistMatchesToggl, mappedPerson } from '../helpers/scenario.ts'

const ATTRS = ['productive_min', 'tv_min'] as const
const OTHER = { name: 'trakt', label: 'Trakt' }

type Step =
  | { kind: 'track'; project: number; dayBack: number; minutes: number }
  | { kind: 'hand-edit'; attribute: number; dayBack: number; value: number }
  | { kind: 'lose-next-write' }
  | { kind: 'take'; attribute: number }
  | { kind: 'give-back'; attribute: number }
  | { kind: 'advance'; hours: number }
  | { kind: 'run' }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('track' as const),
    project: fc.nat(2),
    dayBack: fc.nat(12),
    minutes: fc.integer({ min: 1, max: 240 }),
  }),
  fc.record({
    kind: fc.constant('hand-edit' as const),
    attribute: fc.nat(1),
    dayBack: fc.nat(13),
    value: fc.integer({ min: 0, max: 500 }),
  }),
  fc.constant({ kind: 'lose-next-write' as const }),
  fc.record({ kind: fc.constant('take' as const), attribute: fc.nat(1) }),
  fc.record({ kind: fc.constant('give-back' as const), attribute: fc.nat(1) }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 30 }) }),
  fc.constant({ kind: 'run' as const }),
)

describe('drift convergence', () => {
  it('converges within the run of the next daily check, with auto-repair on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 25 }), async (steps) => {
        const h = await createHarness({ now: '2026-11-20T12:40:00Z' })
        try {
          const p = await mappedPerson(h)
          await atomically(h.deps.db, [setRepairDrift(h.deps.db, p.user, true)])
          const projects = [p.work, p.side, p.tv]
          const run = () => syncUser(h.deps, p.user, 'schedule')
          await run()
          for (const s of steps) {
            if (s.kind === 'track') {
              const start = h.clock.now - s.dayBack * DAY - 3 * HOUR
              h.toggl.addEntry(p.togglUser, {
                projectId: projects[s.project]!.id,
                start,
                stop: start + s.minutes * MINUTE,
              })
            } else if (s.kind === 'hand-edit') {
              const { dates } = localWindow(h.clock.now, p.zone, 14)
              h.exist.setValue(p.existUser, ATTRS[s.attribute]!, dates[13 - s.dayBack]!, s.value)
            } else if (s.kind === 'lose-next-write') {
              h.exist.loseNextResponse({ method: 'POST', path: '/attributes/' })
            } else if (s.kind === 'take') {
              h.exist.stealAttribute(p.existUser, ATTRS[s.attribute]!, OTHER)
            } else if (s.kind === 'give-back') {
              h.exist.giveBack(p.existUser, ATTRS[s.attribute]!)
            } else if (s.kind === 'advance') {
              h.advance(s.hours * HOUR)
            } else {
              await run()
            }
          }
          // The user hands everything back; faults stop; the next daily check comes.
          for (const a of ATTRS) h.exist.giveBack(p.existUser, a)
          h.exist.clearFaults()
          h.exist.resetLog()
          while (
            h.exist.requests.length === 0 ||
            !h.exist.requests.some((r) => r.path.endsWith('/with-values/'))
          ) {
            h.advance(HOUR)
            await run()
          }
          await run()
          expectExistMatchesToggl(h, p)
          h.advance(HOUR)
          h.exist.resetLog()
          await run()
          expect(h.exist.requests.filter((r) => !r.path.endsWith('/accounts/profile/'))).toEqual([])
        } finally {
          await h.close()
        }
      }),
      { numRuns: 15, seed: 13 },
    )
  }, 120_000)
})
