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
  cacheStatements(client)
  client.pragma('journal_mode = WAL')
  // WAL with NORMAL survives a crash of the process; only an OS crash or power loss may lose the
  // last commits. Commits that must outlast those (the ledger's pending rows, written before a push
  // to Exist) ask for FULL themselves (`atomically(…, { durable: true })`). FULL everywhere costs an
  // fsync per commit, ~1.3 ms on the test machine: 27 s of a 10,000-user hourly pass.
  client.pragma('synchronous = NORMAL')
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

/** Statements kept prepared, by SQL text (drizzle asks for a new one on every query). */
const STATEMENT_CACHE = 500

/**
 * drizzle prepares every query again each time it runs; preparing is most of SQLite's share of a
 * run's CPU (`npm run bench` profile). The same SQL text gets the same compiled statement back.
 */
function cacheStatements(client: Database.Database): void {
  const prepare = client.prepare.bind(client)
  const cache = new Map<string, Database.Statement>()
  client.prepare = ((source: string) => {
    let statement = cache.get(source)
    if (statement) {
      cache.delete(source)
      // drizzle switches a statement to raw (array) rows for selects; start each use in object mode.
      if (statement.reader) statement.raw(false)
    } else {
      statement = prepare(source)
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!)
    }
    cache.set(source, statement)
    return statement
  }) as typeof client.prepare
}
