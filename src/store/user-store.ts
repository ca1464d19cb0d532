/** The `users` and `source_connections` tables: reading users and their sources, saving sign-ins and tokens. */
import { and, asc, eq, gt, isNull, lt, or, type SQL, sql } from 'drizzle-orm'
import { InputError } from '../core/input-error.ts'
import type { Source } from '../core/source-types.ts'
import { type Bind, type Db, reusable, type Statement } from './database.ts'
import {
  attributes,
  existValues,
  historyImports,
  mappings,
  projects,
  rules,
  runs,
  sourceConnections,
  userData,
  users,
} from './schema.ts'

export type User = typeof users.$inferSelect
export type SourceConnection = typeof sourceConnections.$inferSelect

const userById = reusable((db, value: Bind<{ id: number }>) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, value('id'))),
)

/** Every run starts here, so the query is prepared once (`reusable`). */
export async function getUser(db: Db, id: number): Promise<User> {
  const [user] = await userById.rows(db, { id })
  if (!user) throw new InputError(`No user ${id} (see "status" for the users there are)`, 'user')
  return user
}

export async function findUser(db: Db, id: number): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id))
  return user
}

export async function allUsers(db: Db): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.id))
}

export async function userIdByUsername(db: Db, existUsername: string): Promise<number | undefined> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.existUsername, existUsername))
  return row?.id
}

/** A user id, or a subquery that finds it when the user row is created in the same batch. */
export type UserRef = number | SQL

export const userRefByUsername = (existUsername: string): UserRef =>
  sql`(select ${users.id} from ${users} where ${users.existUsername} = ${existUsername})`

export type UserFields = Omit<typeof users.$inferInsert, 'id' | 'existUsername' | 'createdAt'>

/** Creates the user of an Exist account, or updates it (same Exist account → same user id). */
export function upsertUser(db: Db, existUsername: string, fields: UserFields): Statement {
  return db
    .insert(users)
    .values({ existUsername, ...fields })
    .onConflictDoUpdate({ target: users.existUsername, set: fields })
}

/** Stores a refreshed OAuth pair, only over the pair that was refreshed; false when a newer one was stored meanwhile. */
export async function saveRefreshedTokens(
  db: Db,
  userId: number,
  refreshedFrom: string,
  fields: Pick<
    UserFields,
    'existToken' | 'existRefreshToken' | 'existTokenExpiresAt' | 'updatedAt'
  >,
): Promise<boolean> {
  const saved = await db
    .update(users)
    .set(fields)
    .where(and(eq(users.id, userId), eq(users.existRefreshToken, refreshedFrom)))
    .returning({ id: users.id })
  return saved.length === 1
}

export async function setTimezone(
  db: Db,
  userId: number,
  timezone: string,
  now: number,
): Promise<void> {
  await db
    .update(users)
    .set({ timezone, timezoneCheckedAt: new Date(now) })
    .where(eq(users.id, userId))
}

export async function setRetryAfter(db: Db, userId: number, until: number): Promise<void> {
  await db
    .update(users)
    .set({ retryAfter: new Date(until) })
    .where(eq(users.id, userId))
}

export async function stopSyncing(
  db: Db,
  userId: number,
  reason: string,
  now: number,
): Promise<void> {
  await db
    .update(users)
    .set({ syncing: false, stoppedReason: reason, updatedAt: new Date(now) })
    .where(eq(users.id, userId))
}

/**
 * Users whose runs may start now: syncing, and not asked by an API to wait. `page` reads them in
 * id order a slice at a time.
 */
export async function dueUserIds(
  db: Db,
  now: number,
  page?: { afterId: number; limit: number },
): Promise<number[]> {
  const due = and(
    eq(users.syncing, true),
    or(isNull(users.retryAfter), lt(users.retryAfter, new Date(now))),
  )
  const query = db
    .select({ id: users.id })
    .from(users)
    .where(page ? and(due, gt(users.id, page.afterId)) : due)
    .orderBy(users.id)
  const rows = page ? await query.limit(page.limit) : await query
  return rows.map((r) => r.id)
}

/** Everything of the user, their row last. */
export function deleteUserStatements(db: Db, userId: number): Statement[] {
  return [
    db.delete(historyImports).where(eq(historyImports.userId, userId)),
    db.delete(userData).where(eq(userData.userId, userId)),
    db.delete(existValues).where(eq(existValues.userId, userId)),
    db.delete(runs).where(eq(runs.userId, userId)),
    db.delete(mappings).where(eq(mappings.userId, userId)),
    db.delete(rules).where(eq(rules.userId, userId)),
    db.delete(attributes).where(eq(attributes.userId, userId)),
    db.delete(projects).where(eq(projects.userId, userId)),
    db.delete(sourceConnections).where(eq(sourceConnections.userId, userId)),
    db.delete(users).where(eq(users.id, userId)),
  ]
}

/** The user's connection to one source, connected or paused. */
export async function findConnection(
  db: Db,
  userId: number,
  source: Source,
): Promise<SourceConnection | undefined> {
  const [conn] = await db.select().from(sourceConnections).where(connectionOf(userId, source))
  return conn
}

export async function userConnections(db: Db, userId: number): Promise<SourceConnection[]> {
  return db.select().from(sourceConnections).where(eq(sourceConnections.userId, userId))
}

export async function connectedSources(db: Db, userId: number): Promise<SourceConnection[]> {
  return db
    .select()
    .from(sourceConnections)
    .where(and(eq(sourceConnections.userId, userId), eq(sourceConnections.connected, true)))
}

export type ConnectionFields = Omit<
  typeof sourceConnections.$inferInsert,
  'userId' | 'source' | 'createdAt'
>

export function upsertConnection(
  db: Db,
  userId: UserRef,
  source: Source,
  fields: ConnectionFields,
): Statement {
  return db
    .insert(sourceConnections)
    .values({ userId: userId as number, source, ...fields })
    .onConflictDoUpdate({
      target: [sourceConnections.userId, sourceConnections.source],
      set: fields,
    })
}

/**
 * A source that refused its token (401/403) is paused: the refused credential is dropped (it is
 * never sent again) while mappings, cached projects and ledger stay, so connecting the same account
 * again resumes. A pause already running keeps its first date (the deadline never moves).
 */
export function pauseConnection(
  db: Db,
  userId: number,
  source: Source,
  reason: string,
  now: number,
): Statement {
  return db
    .update(sourceConnections)
    .set({
      credential: null,
      connected: false,
      reason,
      pausedAt: sql`coalesce(${sourceConnections.pausedAt}, ${now})`,
      updatedAt: new Date(now),
    })
    .where(connectionOf(userId, source))
}

/** A source disconnected automatically (its pause ran out): the row stays, without its credential, so the user learns why. */
export function closeConnection(
  db: Db,
  userId: number,
  source: Source,
  reason: string,
  now: number,
): Statement {
  return db
    .update(sourceConnections)
    .set({ credential: null, connected: false, reason, pausedAt: null, updatedAt: new Date(now) })
    .where(connectionOf(userId, source))
}

export function deleteConnection(db: Db, userId: number, source: Source): Statement {
  return db.delete(sourceConnections).where(connectionOf(userId, source))
}

const connectionOf = (userId: number, source: Source) =>
  and(eq(sourceConnections.userId, userId), eq(sourceConnections.source, source))

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
