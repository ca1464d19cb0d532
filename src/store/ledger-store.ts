/** The ledger `user_data`: what Exist holds from us per (attribute, date), and the statements that move it. */
import { and, eq, gte, inArray, lt, lte, notInArray, sql } from 'drizzle-orm'
import type { BatchOutcome, LedgerRow, Write } from '../core/plan-writes.ts'
import { type Db, rowsPerInsert, type Statement } from './database.ts'
import { existValuesAfter } from './exist-values-store.ts'
import { userData } from './schema.ts'

/** A ledger row binds 7 parameters (user, attribute, date, value, pending, error, updated_at). */
const ROWS_PER_INSERT = rowsPerInsert(7)

/** The columns of a `LedgerRow`, for every query that reads the ledger. */
export const LEDGER_ROW = {
  attribute: userData.attribute,
  date: userData.date,
  value: userData.value,
  pending: userData.pending,
}

export async function loadLedger(
  db: Db,
  userId: number,
  dates: readonly string[],
): Promise<LedgerRow[]> {
  if (dates.length === 0) return []
  return db
    .select(LEDGER_ROW)
    .from(userData)
    .where(
      and(
        eq(userData.userId, userId),
        gte(userData.date, dates[0]!),
        lte(userData.date, dates.at(-1)!),
      ),
    )
}

/** Records the intended totals as pending before anything is sent: a crash mid-push is settled next run. */
export function markPending(
  db: Db,
  userId: number,
  writes: readonly Write[],
  now: number,
): Statement[] {
  const at = new Date(now)
  const statements: Statement[] = []
  for (let i = 0; i < writes.length; i += ROWS_PER_INSERT) {
    const rows = writes.slice(i, i + ROWS_PER_INSERT).map((w) => ({
      userId,
      attribute: w.attribute,
      date: w.date,
      value: w.target,
      pending: true,
      error: null,
      updatedAt: at,
    }))
    statements.push(
      db
        .insert(userData)
        .values(rows)
        .onConflictDoUpdate({
          target: [userData.userId, userData.attribute, userData.date],
          set: {
            value: sql`excluded.value`,
            pending: sql`excluded.pending`,
            error: sql`excluded.error`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    )
  }
  return statements
}

/**
 * Confirmed rows stop being pending; refused and unknown ones keep pending with the reason. One
 * UPDATE per distinct change (not one per row): an Exist batch of 35 confirmed days is one
 * statement binding 73 parameters, inside D1's limit of 100.
 */
export function recordOutcome(
  db: Db,
  userId: number,
  outcome: BatchOutcome,
  now: number,
): Statement[] {
  const at = new Date(now)
  const statements: Statement[] = []
  const rows = (ws: readonly Write[]) =>
    and(
      eq(userData.userId, userId),
      sql`(${userData.attribute}, ${userData.date}) in (values ${sql.join(
        ws.map((w) => sql`(${w.attribute}, ${w.date})`),
        sql`, `,
      )})`,
    )
  if (outcome.confirmed.length > 0) {
    statements.push(
      db
        .update(userData)
        .set({ pending: false, error: null, updatedAt: at })
        .where(rows(outcome.confirmed)),
    )
  }
  const byError = new Map<string, Write[]>()
  const add = (error: string, w: Write) => byError.set(error, [...(byError.get(error) ?? []), w])
  for (const r of outcome.refused) add(`${r.code}: ${r.error}`, r.write)
  for (const u of outcome.unknown) add(u.error, u.write)
  for (const [error, ws] of byError) {
    statements.push(db.update(userData).set({ error, updatedAt: at }).where(rows(ws)))
  }
  statements.push(...existValuesAfter(db, userId, outcome.confirmed))
  return statements
}

export function deleteAttributesLedger(
  db: Db,
  userId: number,
  names: readonly string[],
): Statement[] {
  if (names.length === 0) return []
  return [
    db
      .delete(userData)
      .where(and(eq(userData.userId, userId), inArray(userData.attribute, [...names]))),
  ]
}

/** Zero Out: the user's whole ledger goes (every day is sent again). */
/** Deletes the user's ledger, except the rows of `keep` (attributes held while a source is paused). */
export function clearLedger(db: Db, userId: number, keep: readonly string[] = []): Statement {
  return db
    .delete(userData)
    .where(
      keep.length
        ? and(eq(userData.userId, userId), notInArray(userData.attribute, [...keep]))
        : eq(userData.userId, userId),
    )
}

export type LedgerEntry = typeof userData.$inferSelect

/** Full ledger rows of some attributes between two local dates (both included), for the status chart. */
export async function ledgerBetween(
  db: Db,
  userId: number,
  names: readonly string[],
  from: string,
  to: string,
): Promise<LedgerEntry[]> {
  if (names.length === 0) return []
  return db
    .select()
    .from(userData)
    .where(
      and(
        eq(userData.userId, userId),
        inArray(userData.attribute, [...names]),
        gte(userData.date, from),
        lte(userData.date, to),
      ),
    )
}

/** Retention: rows dated before `beforeDate` go (the window never reaches them). */
export function purgeLedger(db: Db, beforeDate: string, userId?: number): Statement {
  return db
    .delete(userData)
    .where(
      userId === undefined
        ? lt(userData.date, beforeDate)
        : and(eq(userData.userId, userId), lt(userData.date, beforeDate)),
    )
}
