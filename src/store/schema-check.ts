/** Tells whether the database has every table and column this code uses, so a forgotten migration is named instead of failing queries one by one. */
import { is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Db } from './database.ts'
import * as schema from './schema.ts'

/** What fixes a database that is behind the code, per runtime (shown on /healthz, the pages and the log). */
export const MIGRATE_FIX = {
  node: 'restart Timebridge (`npm start` applies the migrations in drizzle/ when it starts)',
  d1: 'run `npx wrangler d1 migrations apply DB --remote` (with `wrangler dev`: `--local`)',
} as const

const TABLES = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable =>
  is(v, SQLiteTable),
)

/**
 * Reads no rows: `select <every column> from <table> limit 0` for every table of the schema, so
 * a missing table or column (an unmigrated or outdated database) shows as the database's own
 * words, e.g. "no such table: users". Undefined when the schema is complete.
 */
export async function schemaProblem(db: Db): Promise<string | undefined> {
  try {
    await Promise.all(TABLES.map((table) => db.select().from(table).limit(0)))
    return undefined
  } catch (error) {
    const message = rootMessage(error)
    if (isSchemaMessage(message)) return message
    throw error
  }
}

/** SQLite's (and D1's) words for a table or column the database does not have. */
export function isSchemaMessage(message: string): boolean {
  return /no such (table|column)|has no column named/i.test(message)
}

/** The innermost message of an error chain: drizzle wraps the driver's error ("Failed query: …") in `cause`. */
export function rootMessage(error: unknown): string {
  let e = error
  for (let i = 0; i < 5 && e instanceof Error && e.cause !== undefined; i++) e = e.cause
  return e instanceof Error ? e.message : String(e)
}
