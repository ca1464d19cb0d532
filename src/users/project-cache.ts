/** The cached project list of a source: replaced wholesale when the source account is read again. */
import { and, eq, type SQL } from 'drizzle-orm'
import type { Db, Statement } from '../db/database.ts'
import { projects, sourceConnections, type Source } from '../db/schema.ts'
import type { SourceAccount } from '../sources/source-types.ts'

/** D1 allows 100 bound parameters per statement; a project row binds 9. */
const ROWS_PER_INSERT = 10

/** `userId` may be a subquery when the user row is created in the same batch. */
export function replaceProjects(db: Db, userId: number | SQL, account: SourceAccount, now: number): Statement[] {
  const statements: Statement[] = [
    db.delete(projects).where(and(eq(projects.userId, userId as number), eq(projects.source, account.source))),
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
      .where(and(eq(sourceConnections.userId, userId as number), eq(sourceConnections.source, account.source))),
  )
  return statements
}

export type ProjectRow = typeof projects.$inferSelect

export async function cachedProjects(db: Db, userId: number, source?: Source): Promise<ProjectRow[]> {
  return db
    .select()
    .from(projects)
    .where(source ? and(eq(projects.userId, userId), eq(projects.source, source)) : eq(projects.userId, userId))
}
