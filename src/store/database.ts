/** The database type both runtimes share, and `atomically`: D1 has no interactive transactions, so atomic steps are one batch. */
import type { BatchItem } from 'drizzle-orm/batch'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type * as schema from './schema.ts'

/** better-sqlite3 (sync) on Node and D1 (async) on Workers. */
export type Db = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>
export type Statement = BatchItem<'sqlite'>

/** D1 refuses a statement that binds more than 100 parameters ("too many SQL variables"). */
export const D1_MAX_PARAMS = 100

/** Rows per multi-row insert that keep a statement within D1's parameter limit. */
export const rowsPerInsert = (paramsPerRow: number) => Math.floor(D1_MAX_PARAMS / paramsPerRow)

/**
 * Runs statements as one all-or-nothing unit: `batch` on D1, a transaction on better-sqlite3.
 * Statements must be built up front (no reads in between), which is all D1 can offer anyway.
 */
export async function atomically(db: Db, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return
  const maybeBatch = (db as { batch?: (items: Statement[]) => Promise<unknown> }).batch
  if (typeof maybeBatch === 'function') {
    await maybeBatch.call(db, statements)
    return
  }
  // better-sqlite3 is synchronous: statements prepared on `db` and run inside its transaction
  // callback share the connection, so they commit or roll back together.
  db.transaction(() => {
    for (const statement of statements) (statement as unknown as { run(): unknown }).run()
  })
}
