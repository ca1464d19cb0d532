/** The database type both runtimes share, and `atomically`: D1 has no interactive transactions, so atomic steps are one batch. */
import { sql } from 'drizzle-orm'
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
export async function atomically(
  db: Db,
  statements: Statement[],
  opts: { durable?: boolean } = {},
): Promise<void> {
  if (statements.length === 0) return
  const maybeBatch = (db as { batch?: (items: Statement[]) => Promise<unknown> }).batch
  if (typeof maybeBatch === 'function') {
    await maybeBatch.call(db, statements)
    return
  }
  // `durable`: the commit must reach the disk before we act on it outside the database (a push to
  // Exist), even across a power loss; SQLite otherwise runs with synchronous=NORMAL (open-sqlite.ts).
  const client = opts.durable
    ? (db as { $client?: { pragma?(source: string): unknown } }).$client
    : undefined
  client?.pragma?.('synchronous = FULL')
  try {
    // better-sqlite3 is synchronous: statements prepared on `db` and run inside its transaction
    // callback share the connection, so they commit or roll back together.
    db.transaction(() => {
      for (const statement of statements) (statement as unknown as { run(): unknown }).run()
    })
  } finally {
    client?.pragma?.('synchronous = NORMAL')
  }
}

/**
 * Runs several reads as one unit and returns each one's rows: one round trip on D1 (a batch), one
 * transaction on better-sqlite3 (a consistent snapshot). Query builders only, built up front.
 */
export async function readTogether<const T extends readonly Statement[]>(
  db: Db,
  queries: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  type Rows = { -readonly [K in keyof T]: Awaited<T[K]> }
  const maybeBatch = (db as { batch?: (items: Statement[]) => Promise<unknown[]> }).batch
  if (typeof maybeBatch === 'function') return (await maybeBatch.call(db, [...queries])) as Rows
  return db.transaction(() =>
    queries.map((q) => (q as unknown as { all(): unknown }).all()),
  ) as unknown as Rows
}

/** D1 takes batches; better-sqlite3 runs each statement at once. */
export const batches = (db: Db) => typeof (db as { batch?: unknown }).batch === 'function'

/** `make(db)` once per database (prepared statements belong to their connection). */
export function perDatabase<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>()
  return (db) => {
    let value = made.get(db)
    if (value === undefined) {
      value = make(db)
      made.set(db, value)
    }
    return value
  }
}

/** A named value of a `reusable` query: a placeholder when prepared, the value itself on D1. */
export type Bind<V> = <K extends keyof V & string>(name: K) => V[K]

interface PreparedQuery {
  all(values: object): unknown
  run(values: object): unknown
}

/**
 * A query run often (every user, every run) with its values named: on better-sqlite3 it is built
 * and prepared once per database and run with placeholders, since building drizzle queries was a
 * fifth of a steady run's CPU and allocations (`npm run bench -- --profile steady`); D1 batches take
 * query builders, so there it is built per call with the values themselves. In `where` clauses a
 * placeholder reaches the driver as given, so compare dates as epoch milliseconds there.
 */
export function reusable<V extends Record<string, unknown>, Q>(
  build: (db: Db, value: Bind<V>) => Q,
) {
  const placeholder = (name: string) => sql.placeholder(name) as never
  const onSqlite = perDatabase(
    (db) => (build(db, placeholder) as { prepare(): PreparedQuery }).prepare() as PreparedQuery,
  )
  return {
    /** The rows of a select, or of an update or insert with `returning`. */
    async rows(db: Db, values: V): Promise<Awaited<Q>> {
      if (batches(db)) return await build(db, (name) => values[name])
      return onSqlite(db).all(values) as Awaited<Q>
    },
    /** One statement for `atomically`. */
    statement(db: Db, values: V): Statement {
      if (batches(db)) return build(db, (name) => values[name]) as Statement
      const query = onSqlite(db)
      return { run: () => query.run(values) } as unknown as Statement
    },
  }
}
