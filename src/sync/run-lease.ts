/** The per-user run lease: an owner, a short expiry renewed between steps, and takeover from a process that is gone. */
import type { Deps } from '../deps.ts'
import type { LeaseOwner, ProcessProbe } from '../shared/process-probe.ts'
import type { Statement } from '../store/database.ts'
import {
  type Busy,
  claimFreeLease,
  readLease,
  releaseLease,
  renewLease,
  takeLeaseFrom,
} from '../store/lease-store.ts'

export type { Busy } from '../store/lease-store.ts'

/** A lease not renewed for this long is free: what bounds a crash on Workers or another host. */
export const LEASE_TTL_MS = 60_000
/** A run stops at its next step after this long, so a live run is done by start + this + TTL. */
export const MAX_RUN_MS = 10 * 60_000

export class LeaseLost extends Error {
  override name = 'LeaseLost'
}

/** The process is shutting down: the run stops between steps and the next run carries on. */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted'
}

export interface Lease {
  readonly owner: string
  /**
   * Called between steps: stops the run if the process is shutting down, the run is too old or
   * the lease was taken over, and renews the lease when less than `needMs` of it is left.
   */
  step(needMs?: number): Promise<void>
  /** Frees the lease if (and only if) this run still holds it. */
  release(): Statement
  /** Forgets the run in this process, even if the release could not be written. */
  end(): void
}

const randomId = () => crypto.randomUUID()

/** Without a probe (Workers) the process is one isolate, known only to itself. */
const isolate: ProcessProbe = {
  self: { host: `isolate-${randomId()}` },
  isGone: () => false,
}

/** Runs of this process that are under way: their leases must not be taken over from inside it. */
const active = new Set<string>()

function parseOwner(text: string | null): LeaseOwner | null {
  if (!text) return null
  try {
    const o = JSON.parse(text) as Partial<LeaseOwner>
    return typeof o.host === 'string' && typeof o.run === 'string' ? (o as LeaseOwner) : null
  } catch {
    return null
  }
}

function sameProcess(a: Omit<LeaseOwner, 'run'>, b: Omit<LeaseOwner, 'run'>): boolean {
  return a.host === b.host && a.ns === b.ns && a.pid === b.pid && a.start === b.start
}

/** Takes the user's lease, or says which run holds it and when that run is done at the latest. */
export async function takeLease(
  deps: Deps,
  userId: number,
): Promise<{ lease: Lease } | { busy: Busy }> {
  const { db } = deps
  const probe = deps.processes ?? isolate
  const me: LeaseOwner = { ...probe.self, run: randomId() }
  const owner = JSON.stringify(me)

  for (let attempt = 0; ; attempt++) {
    const now = deps.now()
    if (await claimFreeLease(db, userId, owner, now, LEASE_TTL_MS)) break
    const row = await readLease(db, userId)
    // Released (or the user gone) between the two statements: try again.
    if (!row?.until) {
      if (attempt < 2) continue
      return { busy: busyFrom(null, null, new Date(now + LEASE_TTL_MS), probe) }
    }
    const holder = parseOwner(row.owner)
    const gone =
      holder !== null &&
      (sameProcess(holder, probe.self) ? !active.has(holder.run) : probe.isGone(holder))
    if (!gone) return { busy: busyFrom(holder, row.started, row.until, probe) }
    // Its process is gone (killed, crashed, or this process after a failed release): take over,
    // unless another run got there first.
    if (await takeLeaseFrom(db, userId, row.owner!, owner, now, LEASE_TTL_MS)) {
      deps.log.warn('lease_taken_over', { user: userId, pid: holder!.pid ?? null })
      break
    }
    if (attempt >= 2) return { busy: busyFrom(holder, row.started, row.until, probe) }
  }

  active.add(me.run)
  const startedAt = deps.now()
  let until = startedAt + LEASE_TTL_MS
  return {
    lease: {
      owner,
      async step(needMs = deps.http.timeoutMs + 5_000) {
        if (deps.shutdown?.aborted) {
          throw new RunInterrupted(
            'Stopped because Timebridge is shutting down; the next run carries on',
          )
        }
        const now = deps.now()
        if (now - startedAt > MAX_RUN_MS) {
          throw new LeaseLost(
            `The run took longer than ${MAX_RUN_MS / 60_000} minutes and stopped; the next run carries on`,
          )
        }
        // Enough of the lease left for the next step (an HTTP call at most): no write needed.
        if (until - now >= Math.min(needMs, LEASE_TTL_MS)) return
        if (!(await renewLease(db, userId, owner, now + LEASE_TTL_MS))) {
          throw new LeaseLost(
            'Another run took this user over while this one was stalled; it stopped before writing',
          )
        }
        until = now + LEASE_TTL_MS
      },
      release: () => releaseLease(db, userId, owner),
      end: () => {
        active.delete(me.run)
      },
    },
  }
}

function busyFrom(
  holder: LeaseOwner | null,
  started: Date | null,
  until: Date,
  probe: ProcessProbe,
): Busy {
  // A renewing run stops at its first step after MAX_RUN_MS; its last renewal lasts one TTL more.
  const latest = started
    ? Math.max(until.getTime(), started.getTime() + MAX_RUN_MS + LEASE_TTL_MS)
    : until.getTime()
  const here =
    holder?.pid !== undefined && holder.host === probe.self.host && holder.ns === probe.self.ns
  return {
    since: started?.toISOString() ?? null,
    done_by: new Date(latest).toISOString(),
    where: here
      ? `this host, process ${holder!.pid}`
      : holder?.pid !== undefined
        ? `host ${holder.host}, process ${holder.pid}`
        : 'another Worker or host',
  }
}
