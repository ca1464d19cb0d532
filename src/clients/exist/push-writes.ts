/** Sends planned writes to Exist in batches of 35 and sorts each item into confirmed, refused or unknown. */

import type { BatchOutcome, Write } from '../../core/plan-writes.ts'
import { ApiError } from '../api-client.ts'
import { EXIST_BATCH, type ExistClient } from './exist-client.ts'
import type { WriteResponse } from './exist-schemas.ts'

export interface PushResult extends BatchOutcome {
  /** Writes never sent because the push stopped early. */
  unsent: Write[]
  /** Why the push stopped early (quota, Exist down); the run ends quietly. */
  stoppedBy?: ApiError
  requests: number
}

/**
 * Pushes writes; `record` is called after every batch so confirmed rows are settled even if the
 * process dies later. Auth errors propagate (the caller stops syncing the user).
 */
export async function pushWrites(
  exist: ExistClient,
  writes: readonly Write[],
  record: (outcome: BatchOutcome) => Promise<void>,
  /** Before each batch: may stop the push (lease lost, shutting down) by throwing; the rest stays pending. */
  beforeBatch: () => Promise<void> = async () => {},
): Promise<PushResult> {
  const result: PushResult = { confirmed: [], refused: [], unknown: [], unsent: [], requests: 0 }
  const batches = [
    ...chunks(writes.filter((w) => w.op === 'update')),
    ...chunks(writes.filter((w) => w.op === 'increment')),
  ]

  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!
    let outcome: BatchOutcome
    await beforeBatch()
    try {
      result.requests++
      const res = await exist.write(
        batch[0]!.op,
        batch.map((w) => ({ name: w.attribute, date: w.date, value: w.value })),
      )
      outcome = matchResults(batch, res.status, res.body)
    } catch (error) {
      if (!(error instanceof ApiError) || error.kind === 'auth') throw error
      outcome = {
        confirmed: [],
        refused: [],
        unknown: batch.map((write) => ({ write, error: error.message })),
      }
      await record(outcome)
      merge(result, outcome)
      // Quota spent or Exist unwell: stop here rather than pile on; everything left stays pending.
      result.unsent = batches.slice(b + 1).flat()
      result.stoppedBy = error
      return result
    }
    await record(outcome)
    merge(result, outcome)
  }
  return result
}

/** Which items of one batch Exist confirmed: all on 200; on 202 only those listed in `success`. */
export function matchResults(
  batch: readonly Write[],
  status: number,
  body: WriteResponse,
): BatchOutcome {
  const outcome: BatchOutcome = { confirmed: [], refused: [], unknown: [] }
  const successes = [...body.success]
  for (const write of batch) {
    const failure = body.failed.find(
      (f) =>
        (f.name ?? f.title) === write.attribute && (f.date === undefined || f.date === write.date),
    )
    if (failure) {
      outcome.refused.push({
        write,
        code: failure.error_code ?? 'error',
        error: failure.error ?? 'Exist refused this value',
      })
      continue
    }
    if (status === 200) {
      outcome.confirmed.push(write)
      continue
    }
    const i = successes.findIndex(
      (s) =>
        s.name === write.attribute &&
        (s.date !== undefined ? s.date === write.date : s.value === write.value),
    )
    if (i >= 0) {
      successes.splice(i, 1)
      outcome.confirmed.push(write)
    } else {
      outcome.unknown.push({ write, error: `Exist did not confirm this value (HTTP ${status})` })
    }
  }
  return outcome
}

function merge(into: PushResult, from: BatchOutcome) {
  into.confirmed.push(...from.confirmed)
  into.refused.push(...from.refused)
  into.unknown.push(...from.unknown)
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += EXIST_BATCH) out.push(items.slice(i, i + EXIST_BATCH))
  return out
}
