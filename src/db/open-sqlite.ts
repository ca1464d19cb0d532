/** Opens the SQLite database on Node (better-sqlite3) and applies the migrations in drizzle/. */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { Db } from './database.ts'
import * as schema from './schema.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url))

export function openSqlite(path: string): { db: Db; close(): void } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const client = new Database(path)
  client.pragma('journal_mode = WAL')
  client.pragma('foreign_keys = ON')
  // The CLI and the server may share the file; wait for a writer instead of failing at once.
  client.pragma('busy_timeout = 5000')
  const db = drizzle({ client, schema })
  migrate(db, { migrationsFolder: MIGRATIONS_DIR })
  return { db, close: () => client.close() }
}
