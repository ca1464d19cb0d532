/** What Exist holds per (attribute, day) as last read back, the check's bookkeeping on the user, and keeping both current. */
import { and, eq, gte, lte, sql } from 'drizzle-orm'
import type { ExistDay } from '../core/find-drift.ts'
import type { Write } from '../core/plan-writes.ts'
import { D1_MAX_PARAMS, type Db, rowsPerInsert, type Statement } from './database.ts'
import { existValues, users } from './schema.ts'

/** A stored day binds 5 parameters (user, attribute, date, value, checked_at). */
const ROWS_PER_INSERT = rowsPerInsert(5)

export interface StoredExistDay extends ExistDay {
  checkedAt: Date
}

export async function loadExistValues(
  db: Db,
  userId: number,
  dates: readonly string[],
): Promise<StoredExistDay[]> {
  if (dates.length === 0) return []
  return db
    .select({
      attribute: existValues.attribute,
      date: existValues.date,
      value: existValues.value,
      checkedAt: existValues.checkedAt,
    })
    .from(existValues)
    .where(
      and(
        eq(existValues.userId, userId),
        gte(existValues.date, dates[0]!),
        lte(existValues.date, dates.at(-1)!),
      ),
    )
}

/** A check's reading replaces the previous one whole: days and attributes it no longer covers go. */
export function replaceExistValues(
  db: Db,
  userId: number,
  days: readonly ExistDay[],
  now: number,
): Statement[] {
  const at = new Date(now)
  const statements: Statement[] = [db.delete(existValues).where(eq(existValues.userId, userId))]
  for (let i = 0; i < days.length; i += ROWS_PER_INSERT) {
    const rows = days.slice(i, i + ROWS_PER_INSERT).map((d) => ({
      userId,
      attribute: d.attribute,
      date: d.date,
      value: d.value,
      checkedAt: at,
    }))
    statements.push(db.insert(existValues).values(rows))
  }
  return statements
}

/** D1 binds at most 100 parameters: the user id, then 4 per day (attribute, date, op, value). */
const DAYS_PER_UPDATE = Math.floor((D1_MAX_PARAMS - 1) / 4)

/**
 * Writes Exist confirmed change what it holds: an update sets the day, an increment adds to it. Days
 * the last check did not read have no row and stay unknown. One statement per 24 days (UPDATE …
 * FROM a VALUES list), not one per day: a first sync confirms 42 days or more.
 */
export function existValuesAfter(db: Db, userId: number, confirmed: readonly Write[]): Statement[] {
  const statements: Statement[] = []
  for (let i = 0; i < confirmed.length; i += DAYS_PER_UPDATE) {
    const days = sql.join(
      confirmed
        .slice(i, i + DAYS_PER_UPDATE)
        .map((w) => sql`(${w.attribute}, ${w.date}, ${w.op === 'increment' ? 1 : 0}, ${w.value})`),
      sql`, `,
    )
    statements.push(
      db
        .update(existValues)
        .set({
          value: sql`case when confirmed.column3 = 1 then coalesce(${existValues.value}, 0) + confirmed.column4 else confirmed.column4 end`,
        })
        .from(sql`(values ${days}) as confirmed`)
        .where(
          and(
            eq(existValues.userId, userId),
            sql`${existValues.attribute} = confirmed.column1 and ${existValues.date} = confirmed.column2`,
          ),
        ),
    )
  }
  return statements
}

/** The check ran (error null) or could not read Exist: either way the next daily check is a day away. */
export function recordCheck(db: Db, userId: number, now: number, error: string | null): Statement {
  return db
    .update(users)
    .set({ existCheckedAt: new Date(now), existCheckError: error })
    .where(eq(users.id, userId))
}

export function setRepairDrift(db: Db, userId: number, on: boolean): Statement {
  return db.update(users).set({ repairDrift: on }).where(eq(users.id, userId))
}
