/** Zero Out: set every mapped attribute to 0 on every window day, clear the ledger, then sync so every day is re-sent. */

import { currentHolds } from '../accounts/source-pause.ts'
import { pushWrites } from '../clients/exist/push-writes.ts'
import type { Write } from '../core/plan-writes.ts'
import type { Deps } from '../deps.ts'
import { attributeRows, mappingRows } from '../store/attribute-store.ts'
import { atomically } from '../store/database.ts'
import { clearLedger, markPending, recordOutcome } from '../store/ledger-store.ts'
import { ruleRows } from '../store/rule-store.ts'
import type { RunReport, Trigger } from '../store/run-store.ts'
import { syncUser } from './sync-user.ts'

export interface ZeroOutReport extends RunReport {
  zeroed: number
}

export async function zeroOut(
  deps: Deps,
  userId: number,
  trigger: Trigger,
): Promise<ZeroOutReport> {
  let zeroed = 0
  const report = await syncUser(deps, userId, trigger, async (ctx) => {
    const { db } = deps
    const window = await ctx.window()
    const mapped = new Set((await mappingRows(db, userId)).map((m) => m.attribute))
    for (const r of await ruleRows(db, userId)) mapped.add(r.attribute)
    // Attributes fed by a paused source keep what Exist holds (the sync could not re-send them).
    const holds = await currentHolds(db, userId)
    for (const h of holds)
      ctx.summary.notes.push(`Zero Out left ${h.attribute} as it is: ${h.because.join('; ')}`)
    const kept = holds.map((h) => h.attribute)
    const names = (await attributeRows(db, userId)).filter(
      (a) => a.status === 'owned' && mapped.has(a.attribute) && !kept.includes(a.attribute),
    )
    const writes: Write[] = names.flatMap((a) =>
      window.dates.map((date) => ({
        op: 'update' as const,
        attribute: a.attribute,
        date,
        value: 0,
        target: 0,
      })),
    )
    // Clearing the ledger and recording the zeros as pending is one step: if a zero is lost,
    // the sync below settles that day with an absolute update instead of an increment.
    await ctx.step()
    await atomically(
      db,
      [clearLedger(db, userId, kept), ...markPending(db, userId, writes, deps.now())],
      { durable: true },
    )
    const pushed = await pushWrites(
      ctx.exist,
      writes,
      (outcome) => atomically(db, recordOutcome(db, userId, outcome, deps.now())),
      ctx.step,
    )
    zeroed = pushed.confirmed.length
    ctx.summary.requests.exist = (ctx.summary.requests.exist ?? 0) + pushed.requests
    ctx.summary.notes.push(`Zero Out set ${zeroed} of ${writes.length} day values to 0`)
    if (pushed.stoppedBy) throw pushed.stoppedBy
  })
  return { ...report, zeroed }
}
