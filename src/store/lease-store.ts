/** The per-user run lease in `users`: claim it when free, take it over from a named owner, renew it, release it. */
import { and, eq, isNull, or, type SQL, sql } from 'drizzle-orm'
import { type Bind, type Db, reusable, type Statement } from './database.ts'
import { users } from './schema.ts'

/** Another run holds the lease: where it runs and when it is done at the latest. */
export interface Busy {
  /** When the other run took the lease. */
  since: string | null
  /** When that run is over at the latest (it renews the lease only for a bounded time). */
  done_by: string
  /** Where it runs, for people: `this host, process 1234` or `another Worker or host`. */
  where: string
}

export interface LeaseRow {
  owner: string | null
  until: Date | null
  started: Date | null
}

const claim = (owner: string, now: number, ttlMs: number) => ({
  leaseOwner: owner,
  leaseUntil: new Date(now + ttlMs),
  leaseStartedAt: new Date(now),
})

type ClaimValues = { user: number; nowMs: number } & ReturnType<typeof claim>

// Every run claims and releases its lease: both are prepared once (`reusable`).
const claimFree = reusable((db, value: Bind<ClaimValues>) =>
  db
    .update(users)
    .set({
      leaseOwner: value('leaseOwner'),
      leaseUntil: value('leaseUntil'),
      leaseStartedAt: value('leaseStartedAt'),
    })
    .where(
      and(
        eq(users.id, value('user')),
        or(isNull(users.leaseUntil), sql`${users.leaseUntil} < ${value('nowMs')}`),
      ),
    )
    .returning({ id: users.id }),
)

const release = reusable((db, value: Bind<{ user: number; owner: string }>) =>
  db
    .update(users)
    .set({ leaseOwner: null, leaseUntil: null, leaseStartedAt: null })
    .where(and(eq(users.id, value('user')), eq(users.leaseOwner, value('owner')))),
)

/** Takes the lease if nobody holds it or it expired; true when taken. */
export async function claimFreeLease(
  db: Db,
  userId: number,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const taken = await claimFree.rows(db, { user: userId, nowMs: now, ...claim(owner, now, ttlMs) })
  return taken.length === 1
}

/** Takes the lease over from `from` (its process is gone), unless someone else changed it meanwhile. */
export async function takeLeaseFrom(
  db: Db,
  userId: number,
  from: string,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  return claimWhere(db, and(eq(users.id, userId), eq(users.leaseOwner, from)), owner, now, ttlMs)
}

/** Writes the claim on the one row `where` still matches; true when it did (the guard is the compare-and-set). */
async function claimWhere(
  db: Db,
  where: SQL | undefined,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const taken = await db
    .update(users)
    .set(claim(owner, now, ttlMs))
    .where(where)
    .returning({ id: users.id })
  return taken.length === 1
}

export async function readLease(db: Db, userId: number): Promise<LeaseRow | undefined> {
  const [row] = await db
    .select({ owner: users.leaseOwner, until: users.leaseUntil, started: users.leaseStartedAt })
    .from(users)
    .where(eq(users.id, userId))
  return row
}

/** Extends the lease to `until` if `owner` still holds it; false when it was taken over. */
export async function renewLease(
  db: Db,
  userId: number,
  owner: string,
  until: number,
): Promise<boolean> {
  const renewed = await db
    .update(users)
    .set({ leaseUntil: new Date(until) })
    .where(and(eq(users.id, userId), eq(users.leaseOwner, owner)))
    .returning({ id: users.id })
  return renewed.length === 1
}

/** Frees the lease if (and only if) `owner` still holds it. */
export function releaseLease(db: Db, userId: number, owner: string): Statement {
  return release.statement(db, { user: userId, owner })
}

/** Tests and operators: sets a lease as a given owner would have left it. */
export function setLease(
  db: Db,
  userId: number,
  lease: { owner: string; until: number; started: number },
): Statement {
  return db
    .update(users)
    .set({
      leaseOwner: lease.owner,
      leaseUntil: new Date(lease.until),
      leaseStartedAt: new Date(lease.started),
    })
    .where(eq(users.id, userId))
}
