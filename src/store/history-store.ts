/** The history import's row: start, claim (one runner at a time), per-chunk progress, budget, cancel. */
import { and, eq, isNull, lt, or } from 'drizzle-orm'
import type { BudgetUse } from '../core/history-plan.ts'
import type { Db, Statement } from './database.ts'
import { historyImports } from './schema.ts'

export type HistoryImportRow = typeof historyImports.$inferSelect

export async function findImport(db: Db, userId: number): Promise<HistoryImportRow | undefined> {
  const [row] = await db.select().from(historyImports).where(eq(historyImports.userId, userId))
  return row
}

/** A fresh import, replacing a finished, cancelled or failed one. */
export function startImport(
  db: Db,
  userId: number,
  fields: { since: string; until: string; daysTotal: number; attributes: string[] },
  now: number,
): Statement {
  const row = {
    userId,
    since: fields.since,
    until: fields.until,
    nextDate: fields.since,
    daysTotal: fields.daysTotal,
    daysDone: 0,
    status: 'running' as const,
    attributes: JSON.stringify(fields.attributes),
    written: 0,
    refused: 0,
    error: null,
    requests: '{}',
    budgetHour: 0,
    used: '{}',
    hoursUsed: 0,
    resumeAt: null,
    leaseUntil: null,
    leaseOwner: null,
    startedAt: new Date(now),
    updatedAt: new Date(now),
  }
  const { userId: _, ...update } = row
  return db
    .insert(historyImports)
    .values(row)
    .onConflictDoUpdate({ target: historyImports.userId, set: update })
}

/**
 * Takes the import for one runner until `until` unless another holds it (or holds it still as
 * `owner`, renewing); `gone` is the owner of a runner known to be dead, taken over at once. True when taken.
 */
export async function claimImport(
  db: Db,
  userId: number,
  now: number,
  until: number,
  owner: string,
  gone?: string,
): Promise<boolean> {
  const taken = await db
    .update(historyImports)
    .set({ leaseUntil: new Date(until), leaseOwner: owner })
    .where(
      and(
        eq(historyImports.userId, userId),
        eq(historyImports.status, 'running'),
        or(
          isNull(historyImports.leaseUntil),
          lt(historyImports.leaseUntil, new Date(now)),
          eq(historyImports.leaseOwner, owner),
          ...(gone ? [eq(historyImports.leaseOwner, gone)] : []),
        ),
      ),
    )
    .returning({ userId: historyImports.userId })
  return taken.length > 0
}

export async function releaseImport(db: Db, userId: number): Promise<void> {
  await db.update(historyImports).set({ leaseUntil: null }).where(eq(historyImports.userId, userId))
}

export interface ImportProgress {
  nextDate: string | null
  daysDone: number
  written: number
  refused: number
  requests: BudgetUse
  budgetHour: number
  used: BudgetUse
  hoursUsed: number
  resumeAt: number | null
  error: string | null
  status: 'running' | 'done' | 'failed'
}

/** Saves progress; a cancel that came in meanwhile stays cancelled (the status is only set while running). */
export async function saveProgress(
  db: Db,
  userId: number,
  p: ImportProgress,
  now: number,
): Promise<void> {
  await db
    .update(historyImports)
    .set({
      nextDate: p.nextDate,
      daysDone: p.daysDone,
      written: p.written,
      refused: p.refused,
      requests: JSON.stringify(p.requests),
      budgetHour: p.budgetHour,
      used: JSON.stringify(p.used),
      hoursUsed: p.hoursUsed,
      resumeAt: p.resumeAt === null ? null : new Date(p.resumeAt),
      error: p.error,
      status: p.status,
      updatedAt: new Date(now),
    })
    .where(and(eq(historyImports.userId, userId), eq(historyImports.status, 'running')))
}

/** Stops a running import; what it wrote stays. Returns whether one was running. */
export async function cancelImport(db: Db, userId: number, now: number): Promise<boolean> {
  const rows = await db
    .update(historyImports)
    .set({ status: 'cancelled', updatedAt: new Date(now), resumeAt: null })
    .where(and(eq(historyImports.userId, userId), eq(historyImports.status, 'running')))
    .returning({ userId: historyImports.userId })
  return rows.length > 0
}

/** Users whose import may run now. */
export async function dueImports(db: Db, now: number): Promise<number[]> {
  const rows = await db
    .select({ userId: historyImports.userId })
    .from(historyImports)
    .where(
      and(
        eq(historyImports.status, 'running'),
        or(isNull(historyImports.resumeAt), lt(historyImports.resumeAt, new Date(now + 1))),
      ),
    )
  return rows.map((r) => r.userId)
}
