/** The cached project list of a source: replaced wholesale when the source account is read again. */
import { and, eq, inArray, notInArray, or, sql } from 'drizzle-orm'
import type { Source, SourceAccount } from '../core/source-types.ts'
import type { Db, Statement } from './database.ts'
import { mappings, projects, sourceConnections } from './schema.ts'
import type { UserRef } from './user-store.ts'

/** D1 allows 100 bound parameters per statement; a project row binds 10. */
const ROWS_PER_INSERT = 10

/** `userId` may be a subquery when the user row is created in the same batch. */
export function replaceProjects(
  db: Db,
  userId: UserRef,
  account: SourceAccount,
  now: number,
): Statement[] {
  const ofSource = and(eq(projects.userId, userId as number), eq(projects.source, account.source))
  const statements: Statement[] = []
  const ws = account.workspaces
  if (ws) {
    // Projects of a workspace that refused us stay cached, marked inaccessible, so their mappings
    // (and the attributes they feed) are kept and held; so do mapped projects of a workspace no
    // longer listed (the user left it). Everything else is replaced by the fresh list.
    const mapped = db
      .select({ project: mappings.project })
      .from(mappings)
      .where(eq(mappings.userId, userId as number))
    const keep = or(
      ws.inaccessible.length ? inArray(projects.workspaceId, ws.inaccessible) : sql`0`,
      and(
        ws.listed.length ? notInArray(projects.workspaceId, ws.listed) : sql`1`,
        inArray(projects.project, mapped),
      ),
    )
    statements.push(
      db
        .update(projects)
        .set({ inaccessible: sql`(${keep})` as unknown as boolean })
        .where(ofSource),
      db.delete(projects).where(and(ofSource, eq(projects.inaccessible, false))),
    )
  } else {
    statements.push(db.delete(projects).where(ofSource))
  }
  for (let i = 0; i < account.projects.length; i += ROWS_PER_INSERT) {
    const rows = account.projects.slice(i, i + ROWS_PER_INSERT).map((p) => ({
      userId,
      source: account.source,
      ...p,
      inaccessible: false,
    }))
    statements.push(db.insert(projects).values(rows as (typeof projects.$inferInsert)[]))
  }
  statements.push(
    db
      .update(sourceConnections)
      .set({ projectsRefreshedAt: new Date(now), meta: JSON.stringify(account.meta ?? null) })
      .where(
        and(
          eq(sourceConnections.userId, userId as number),
          eq(sourceConnections.source, account.source),
        ),
      ),
  )
  return statements
}

export type ProjectRow = typeof projects.$inferSelect

/** After a run read some workspaces and was refused by others: flag their cached projects. */
export function markWorkspaces(
  db: Db,
  userId: number,
  source: Source,
  read: readonly string[],
  refused: readonly string[],
): Statement[] {
  const of = and(eq(projects.userId, userId), eq(projects.source, source))
  const out: Statement[] = []
  if (refused.length)
    out.push(
      db
        .update(projects)
        .set({ inaccessible: true })
        .where(and(of, inArray(projects.workspaceId, [...refused]))),
    )
  if (read.length)
    out.push(
      db
        .update(projects)
        .set({ inaccessible: false })
        .where(and(of, inArray(projects.workspaceId, [...read]))),
    )
  return out
}

/** Mapped projects whose workspace refused access. */
export async function inaccessibleProjects(db: Db, userId: number): Promise<ProjectRow[]> {
  return db
    .select()
    .from(projects)
    .where(and(eq(projects.userId, userId), eq(projects.inaccessible, true)))
}

export async function cachedProjects(
  db: Db,
  userId: number,
  source?: Source,
): Promise<ProjectRow[]> {
  return db
    .select()
    .from(projects)
    .where(
      source
        ? and(eq(projects.userId, userId), eq(projects.source, source))
        : eq(projects.userId, userId),
    )
}

export async function findProject(
  db: Db,
  userId: number,
  project: string,
): Promise<ProjectRow | undefined> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.userId, userId), eq(projects.project, project)))
  return row
}

/** Number of cached projects of one source. */
export async function countProjects(db: Db, userId: number, source: Source): Promise<number> {
  const rows = await db
    .select({ project: projects.project })
    .from(projects)
    .where(and(eq(projects.userId, userId), eq(projects.source, source)))
  return rows.length
}

export function deleteSourceProjects(db: Db, userId: number, source: Source): Statement {
  return db.delete(projects).where(and(eq(projects.userId, userId), eq(projects.source, source)))
}
