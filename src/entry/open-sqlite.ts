/** Opens the SQLite database on Node (better-sqlite3) and applies the migrations in drizzle/. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { Db } from '../store/database.ts'
import * as schema from '../store/schema.ts'

/**
 * A folder shipped at the package root (drizzle/, public/), found by walking up from this module:
 * the same code runs from src/ (tests, tsx) and from the bundle in dist/, at different depths.
 */
export function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, name, '.')) && existsSync(join(dir, 'package.json')))
      return join(dir, name)
    const up = dirname(dir)
    if (up === dir)
      throw new Error(`Cannot find the ${name}/ folder above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

export const MIGRATIONS_DIR = packageDir('drizzle')

export function openSqlite(path: string): { db: Db; close(): void; client: Database.Database } {
  if (path !== ':memory:') createPrivately(path)
  const client = new Database(path)
  client.pragma('journal_mode = WAL')
  client.pragma('foreign_keys = ON')
  // The CLI and the server may share the file; wait for a writer instead of failing at once.
  client.pragma('busy_timeout = 5000')
  const db = drizzle({ client, schema })
  migrate(db, { migrationsFolder: MIGRATIONS_DIR })
  return { db, close: () => client.close(), client }
}

/**
 * The database holds sealed tokens and everyone's time: directories made for it are 0700 and the
 * file 0600. SQLite gives its -wal and -shm files the database file's mode; files left readable by
 * an older version are narrowed too.
 */
function createPrivately(path: string) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600)
    } catch (error) {
      // Not there (yet), or owned by someone else: SQLite copies the database file's mode.
      if (!['ENOENT', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
    }
  }
}
