/** What a run reads from the database once it holds the lease, in one round trip: sources, mappings, attributes, ledger, run count. */
import { and, desc, eq } from 'drizzle-orm'
import type { LedgerRow } from '../core/plan-writes.ts'
import type { AttributeRow } from './attribute-store.ts'
import { type Db, readTogether } from './database.ts'
import { KEEP_RUNS, PRUNE_SLACK } from './run-store.ts'
import { attributes, mappings, projects, runs, sourceConnections, userData } from './schema.ts'
import type { SourceConnection } from './user-store.ts'

export interface RunInputs {
  sources: SourceConnection[]
  mappings: { project: string; attribute: string }[]
  attributes: AttributeRow[]
  /** The cached projects that are mapped, with their workspaces (Clockify reads only those). */
  mappedProjects: { project: string; workspaceId: string }[]
  /**
   * Every ledger row of the user: the window's, and older ones that retention has yet to purge
   * (a day's worth at most), so the run knows whether a purge is due without asking again.
   */
  ledger: LedgerRow[]
  /** More than KEEP_RUNS + PRUNE_SLACK runs are kept: this run prunes them back to KEEP_RUNS. */
  pruneRuns: boolean
}

export async function loadRunInputs(db: Db, userId: number): Promise<RunInputs> {
  const [sources, maps, attrs, mapped, ledger, overflow] = await readTogether(db, [
    db
      .select()
      .from(sourceConnections)
      .where(and(eq(sourceConnections.userId, userId), eq(sourceConnections.connected, true))),
    db.select({ project: mappings.project, attribute: mappings.attribute }).from(mappings).where(eq(mappings.userId, userId)),
    db.select().from(attributes).where(eq(attributes.userId, userId)),
    db
      .select({ project: projects.project, workspaceId: projects.workspaceId })
      .from(projects)
      .innerJoin(mappings, and(eq(mappings.userId, projects.userId), eq(mappings.project, projects.project)))
      .where(eq(projects.userId, userId)),
    db
      .select({ attribute: userData.attribute, date: userData.date, value: userData.value, pending: userData.pending })
      .from(userData)
      .where(eq(userData.userId, userId)),
    db
      .select({ id: runs.id })
      .from(runs)
      .where(eq(runs.userId, userId))
      .orderBy(desc(runs.id))
      .limit(1)
      .offset(KEEP_RUNS + PRUNE_SLACK - 1),
  ])
  return { sources, mappings: maps, attributes: attrs, mappedProjects: mapped, ledger, pruneRuns: overflow.length > 0 }
}
