/** The cached project list of a source: replaced wholesale when the source account is read again. */
import { and, eq } from 'drizzle-orm'
import type { Source, SourceAccount } from '../core/source-types.ts'
import type { Db, Statement } from './database.ts'
import { projects, sourceConnections } from './schema.ts'
import type { UserRef } from './user-store.ts'

/** D1 allows 100 bound parameters per statement; a project row binds 9. */
const ROWS_PER_INSERT = 10

/** `userId` may be a subquery when the user row is created in the same batch. */
export function replaceProjects(
  db: Db,
  userId: UserRef,
  account: SourceAccount,
  now: number,
): Statement[] {
  const statements: Statement[] = [
    db
      .delete(projects)
      .where(and(eq(projects.userId, userId as number), eq(projects.source, account.source))),
  ]
  for (let i = 0; i < account.projects.length; i += ROWS_PER_INSERT) {
    const rows = account.projects.slice(i, i + ROWS_PER_INSERT).map((p) => ({
      userId,
      source: account.source,
      ...p,
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
