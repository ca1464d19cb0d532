/** Reading users and their sources, the per-user lease, and the sealed credentials. */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { sourceConnections, users, type Source } from '../db/schema.ts'
import type { Deps } from '../deps.ts'
import { InputError } from '../sources/source-types.ts'

export type User = typeof users.$inferSelect
export type SourceConnection = typeof sourceConnections.$inferSelect

/** Purpose strings bound to sealed secrets (AES-GCM associated data). */
export const PURPOSE = {
  existToken: 'exist-token',
  existRefresh: 'exist-refresh-token',
  source: (source: Source) => `source-credential:${source}`,
} as const

export async function getUser(db: Db, id: number): Promise<User> {
  const [user] = await db.select().from(users).where(eq(users.id, id))
  if (!user) throw new InputError(`No user ${id} (see "status" for the users there are)`, 'user')
  return user
}

export async function connectedSources(db: Db, userId: number): Promise<SourceConnection[]> {
  return db
    .select()
    .from(sourceConnections)
    .where(and(eq(sourceConnections.userId, userId), eq(sourceConnections.connected, true)))
}

export async function sourceCredential(deps: Deps, conn: SourceConnection): Promise<string> {
  if (!conn.credential) throw new InputError(`${conn.source} is not connected`, 'source')
  return deps.box.open(conn.credential, PURPOSE.source(conn.source))
}

/** Takes the user's lease; false when another run (any process) holds it. Expired leases are taken over. */
export async function acquireLease(db: Db, userId: number, now: number, ttlMs: number): Promise<boolean> {
  const taken = await db
    .update(users)
    .set({ leaseUntil: new Date(now + ttlMs) })
    .where(and(eq(users.id, userId), or(isNull(users.leaseUntil), lt(users.leaseUntil, new Date(now)))))
    .returning({ id: users.id })
  return taken.length === 1
}

export function releaseLease(db: Db, userId: number) {
  return db.update(users).set({ leaseUntil: null }).where(eq(users.id, userId))
}

/** Ends every session of the user (cookies carry the version they began with); returns the new version. */
export async function bumpSessionVersion(db: Db, userId: number): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId))
    .returning({ v: users.sessionVersion })
  if (!row) throw new InputError(`No user ${userId}`, 'user')
  return row.v
}
