/** Run history: one row per run per user, the last 50 kept (pruned when 60 have piled up). */
import { and, desc, eq, notInArray } from 'drizzle-orm'
import type { Source } from '../core/source-types.ts'
import { atomically, type Bind, type Db, reusable, type Statement } from './database.ts'
import type { Busy } from './lease-store.ts'
import { runs } from './schema.ts'

/** Runs kept per user. */
export const KEEP_RUNS = 50
/**
 * Pruning waits until this many more have piled up, so nine runs in ten write one row and no
 * delete (D1 bills and limits every write; README "Deploy to Cloudflare").
 */
export const PRUNE_SLACK = 10

/** What started a run. */
export type Trigger = 'schedule' | 'cli' | 'web' | 'queue'

export type RunStatus = 'ok' | 'partial' | 'deferred' | 'stopped' | 'skipped' | 'error'

export interface RunSummary {
  /** Time entries read per source. */
  read: Partial<Record<Source, number>>
  /** Requests made per API, to show the cost of a run. */
  requests: Partial<Record<Source | 'exist', number>>
  written: { increment: number; update: number }
  refused: { attribute: string; date: string; error: string }[]
  /** Ledger rows still unconfirmed after this run (settled next run). */
  pending: number
  notes: string[]
  /** Attributes not written because a source feeding them is paused or a workspace refused access. */
  held?: string[]
  /** Set when the run read Exist back (the daily drift check). */
  checked?: { drifted: number; repairing: number; regained: string[]; lost: string[] }
}

export interface RunReport {
  user: number
  status: RunStatus
  summary: RunSummary
  error: string | null
  /** Skipped because another run holds the lease: where it runs and when it is done at the latest. */
  busy?: Busy
}

export const emptySummary = (): RunSummary => ({
  read: {},
  requests: {},
  written: { increment: 0, update: 0 },
  refused: [],
  pending: 0,
  notes: [],
})

type RunRow = typeof runs.$inferInsert

// Every run ends here: the insert is prepared once (`reusable`).
const insertRun = reusable((db, value: Bind<Required<Omit<RunRow, 'id'>>>) =>
  db.insert(runs).values({
    userId: value('userId'),
    trigger: value('trigger'),
    status: value('status'),
    startedAt: value('startedAt'),
    finishedAt: value('finishedAt'),
    summary: value('summary'),
    error: value('error'),
  }),
)

export async function recordRun(
  db: Db,
  report: RunReport,
  trigger: string,
  startedAt: number,
  finishedAt: number,
  /** Statements that close the run in the same batch (ledger purge, lease release). */
  closing: Statement[] = [],
  /** Prune the user's older runs in the same batch (see PRUNE_SLACK); always when unsure. */
  prune = true,
): Promise<void> {
  const keep = db
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.userId, report.user))
    .orderBy(desc(runs.id))
    .limit(KEEP_RUNS)
  await atomically(db, [
    insertRun.statement(db, {
      userId: report.user,
      trigger,
      status: report.status,
      startedAt: new Date(startedAt),
      finishedAt: new Date(finishedAt),
      summary: JSON.stringify(report.summary),
      error: report.error,
    }),
    ...(prune
      ? [db.delete(runs).where(and(eq(runs.userId, report.user), notInArray(runs.id, keep)))]
      : []),
    ...closing,
  ])
}

export interface RunView {
  id: number
  trigger: string
  status: string
  started_at: string
  finished_at: string
  summary: RunSummary
  error: string | null
}

export async function lastRuns(db: Db, userId: number, limit: number): Promise<RunView[]> {
  const rows = await db
    .select()
    .from(runs)
    .where(eq(runs.userId, userId))
    .orderBy(desc(runs.id))
    .limit(limit)
  return rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt.toISOString(),
    summary: JSON.parse(r.summary) as RunSummary,
    error: r.error,
  }))
}
