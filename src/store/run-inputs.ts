/** What a run reads from the database once it holds the lease, in one round trip: sources, mappings, attributes, ledger, run count. */
import { and, desc, eq, type Placeholder, sql } from 'drizzle-orm'
import type { LedgerRow } from '../core/plan-writes.ts'
import type { Rule } from '../core/rules.ts'
import type { AttributeRow } from './attribute-store.ts'
import { batches, type Db, perDatabase, readTogether } from './database.ts'
import { LEDGER_ROW } from './ledger-store.ts'
import { KEEP_RUNS, PRUNE_SLACK } from './run-store.ts'
import {
  attributes,
  mappings,
  projects,
  rules,
  runs,
  sourceConnections,
  userData,
} from './schema.ts'
import type { SourceConnection } from './user-store.ts'

export interface RunInputs {
  /** Every source of the user: connected, paused, or closed after a pause ran out. */
  sources: SourceConnection[]
  mappings: { project: string; attribute: string }[]
  /** The user's ordered rules (evaluated before the project mappings). */
  rules: Rule[]
  attributes: AttributeRow[]
  /** The cached projects that are mapped, with their workspaces (Clockify reads only those). */
  mappedProjects: MappedProject[]
  /**
   * Every ledger row of the user: the window's, and older ones that retention has yet to purge
   * (a day's worth at most), so the run knows whether a purge is due without asking again.
   */
  ledger: LedgerRow[]
  /** More than KEEP_RUNS + PRUNE_SLACK runs are kept: this run prunes them back to KEEP_RUNS. */
  pruneRuns: boolean
}

export interface MappedProject {
  project: string
  workspaceId: string
  workspaceName: string
  /** Its workspace refused access (Clockify 403): read again each run, its attribute held meanwhile. */
  inaccessible: boolean
}

/** The reads, for one user id or (prepared once per SQLite database) a placeholder. */
function queries(db: Db, user: number | Placeholder<'user'>) {
  return [
    // Paused ones too: their mapped attributes are held, and a pause that ran out is closed.
    db.select().from(sourceConnections).where(eq(sourceConnections.userId, user)),
    db
      .select({ project: mappings.project, attribute: mappings.attribute })
      .from(mappings)
      .where(eq(mappings.userId, user)),
    db.select().from(attributes).where(eq(attributes.userId, user)),
    db
      .select({ kind: rules.kind, value: rules.value, attribute: rules.attribute })
      .from(rules)
      .where(eq(rules.userId, user))
      .orderBy(rules.position, rules.id),
    db
      .select({
        project: projects.project,
        workspaceId: projects.workspaceId,
        workspaceName: projects.workspaceName,
        inaccessible: projects.inaccessible,
      })
      .from(projects)
      .innerJoin(
        mappings,
        and(eq(mappings.userId, projects.userId), eq(mappings.project, projects.project)),
      )
      .where(eq(projects.userId, user)),
    db.select(LEDGER_ROW).from(userData).where(eq(userData.userId, user)),
    db
      .select({ id: runs.id })
      .from(runs)
      .where(eq(runs.userId, user))
      .orderBy(desc(runs.id))
      .limit(1)
      .offset(KEEP_RUNS + PRUNE_SLACK - 1),
  ] as const
}

type Rows = Awaited<ReturnType<typeof readTogether<ReturnType<typeof queries>>>>

/**
 * On better-sqlite3 the seven reads are built and prepared once per database: building drizzle
 * queries was a fifth of a steady run's CPU (`npm run bench -- --profile steady`). D1 batches
 * take query builders, so there they are built per run.
 */
const preparedReads = perDatabase((db) =>
  queries(db, sql.placeholder('user')).map(
    (q) => q.prepare() as unknown as { all(values: { user: number }): unknown },
  ),
)

function readPrepared(db: Db, userId: number): Rows {
  const reads = preparedReads(db)
  return db.transaction(() => reads.map((q) => q.all({ user: userId }))) as unknown as Rows
}

export async function loadRunInputs(db: Db, userId: number): Promise<RunInputs> {
  const [sources, maps, attrs, ruleList, mapped, ledger, overflow] = batches(db)
    ? await readTogether(db, queries(db, userId))
    : readPrepared(db, userId)
  return {
    sources,
    mappings: maps,
    rules: ruleList,
    attributes: attrs,
    mappedProjects: mapped,
    ledger,
    pruneRuns: overflow.length > 0,
  }
}
