/** Clearing attributes before they stop syncing: every window day set to 0 in Exist, then the unmapping, all inside the user's lease. */
import { existFor } from '../accounts/exist-session.ts'
import { pushWrites } from '../clients/exist/push-writes.ts'
import { InputError } from '../core/input-error.ts'
import { localWindow } from '../core/local-window.ts'
import type { Write } from '../core/plan-writes.ts'
import type { Deps } from '../deps.ts'
import { attributeRows } from '../store/attribute-store.ts'
import { atomically } from '../store/database.ts'
import { markPending, recordOutcome } from '../store/ledger-store.ts'
import { getUser } from '../store/user-store.ts'
import { takeLease } from './run-lease.ts'

export interface Cleared<T> {
  /** Day values Exist confirmed as 0. */
  cleared: number
  result: T
}

/**
 * Zeroes `names` for every day of the window, then runs `unmap` while still holding the lease, so no
 * run can send the old totals again in between. If Exist does not confirm every zero, nothing is
 * unmapped (the attribute stays synced and the next run puts the true values back).
 */
export async function clearThenUnmap<T>(
  deps: Deps,
  userId: number,
  names: readonly string[],
  unmap: () => Promise<T>,
): Promise<Cleared<T>> {
  const user = await getUser(deps.db, userId)
  // The same lease as a run: no run can send the old totals between the zeros and the unmapping.
  const taken = await takeLease(deps, userId)
  if ('busy' in taken) {
    throw new InputError(
      'A sync of this account is running right now; try again in a minute. Nothing was changed.',
      'attribute',
    )
  }
  const { lease } = taken
  try {
    const owned = new Set(
      (await attributeRows(deps.db, userId))
        .filter((a) => a.status === 'owned')
        .map((a) => a.attribute),
    )
    const { dates } = localWindow(deps.now(), user.timezone, deps.config.syncDays)
    const writes: Write[] = names
      .filter((n) => owned.has(n))
      .flatMap((attribute) =>
        dates.map((date) => ({ op: 'update' as const, attribute, date, value: 0, target: 0 })),
      )
    let cleared = 0
    if (writes.length) {
      // Recorded as pending first: if the process dies here, the next run settles these days.
      await atomically(deps.db, markPending(deps.db, userId, writes, deps.now()))
      await lease.step()
      const exist = await existFor(deps, user)
      const pushed = await pushWrites(exist, writes, (outcome) =>
        atomically(deps.db, recordOutcome(deps.db, userId, outcome, deps.now())),
      )
      cleared = pushed.confirmed.length
      if (cleared < writes.length) {
        const why =
          pushed.stoppedBy?.message ??
          pushed.refused[0]?.error ??
          pushed.unknown[0]?.error ??
          'no answer for some days'
        throw new InputError(
          `Exist did not set every day to 0 (${cleared} of ${writes.length} done: ${why}), so nothing was unmapped. Try again later`,
          'attribute',
        )
      }
    }
    await lease.step()
    return { cleared, result: await unmap() }
  } finally {
    try {
      await lease.release()
    } finally {
      lease.end()
    }
  }
}
