/** An unmigrated or outdated database is named, with its fix, on /healthz, on every page and in the log (not "Something went wrong"). */
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MIGRATIONS_DIR } from '../../src/entry/open-sqlite.ts'
import type { Db } from '../../src/store/database.ts'
import * as schema from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('database schema check', () => {
  let h: Harness
  let logged: { event: string; fields: Record<string, unknown> }[]
  let client: Database.Database

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    logged = []
    client = new Database(':memory:')
  })
  afterEach(async () => {
    client.close()
    await h.close()
  })

  /** The app over an in-memory database that no migration has touched. */
  const appOnBareDatabase = () => {
    const db = drizzle({ client, schema }) as unknown as Db
    const log = {
      info() {},
      warn() {},
      error: (event: string, fields: Record<string, unknown> = {}) =>
        logged.push({ event, fields }),
    }
    return { db, app: createApp({ ...h.deps, db, log }) }
  }

  it('an unmigrated database: /healthz 503 naming the fix, the sign-in page says the same, the log says "no such table"', async () => {
    const { app, db } = appOnBareDatabase()
    const health = await app.request('http://localhost:3000/healthz')
    expect(health.status).toBe(503)
    const body = (await health.json()) as { ok: boolean; error: string }
    expect(body.ok).toBe(false)
    expect(body.error).toMatch(
      /^The database is not migrated \(no such table: \w+\): restart Timebridge \(`npm start` applies the migrations/,
    )

    const signin = await app.request('http://localhost:3000/signin')
    expect(signin.status).toBe(503)
    const words = text(await signin.text())
    expect(words).toContain("Timebridge's database is not set up")
    expect(words).toMatch(/no such table: \w+\)\. To fix it, restart Timebridge/)
    expect(words).not.toContain('Something went wrong')
    expect(logged[0]).toMatchObject({
      event: 'schema_not_migrated',
      fields: { error: expect.stringMatching(/^no such table: /) },
    })

    // Migrating fixes it without a restart of the app (the check runs until it passes).
    migrate(db as never, { migrationsFolder: MIGRATIONS_DIR })
    const ok = await app.request('http://localhost:3000/healthz')
    expect(ok.status).toBe(200)
    expect((await app.request('http://localhost:3000/signin')).status).toBe(200)
  })

  it('an outdated database (the latest migration missing) is caught by its missing column', async () => {
    const { app, db } = appOnBareDatabase()
    migrate(db as never, { migrationsFolder: MIGRATIONS_DIR })
    client.exec('ALTER TABLE users DROP COLUMN session_version')
    const health = await app.request('http://localhost:3000/healthz')
    expect(health.status).toBe(503)
    expect(((await health.json()) as { error: string }).error).toMatch(
      /no such column: .*session_version/,
    )
  })

  it('a table lost after start (e.g. an old backup restored) turns a failing form into the same page, not "Something went wrong"', async () => {
    const { app, db } = appOnBareDatabase()
    migrate(db as never, { migrationsFolder: MIGRATIONS_DIR })
    const alice = addPerson(h, 'alice')
    const browser = new WebClient(app)
    expect((await browser.get('/signin')).status).toBe(200)
    client.exec('DROP TABLE rate_limits')
    const res = await browser.post('/signin/token', { existToken: alice.existToken })
    expect(res.status).toBe(503)
    expect(text(res.html)).toMatch(/no such table: rate_limits\)\. To fix it, restart Timebridge/)
    expect(logged.at(-1)).toMatchObject({
      event: 'schema_not_migrated',
      fields: { path: '/signin/token', error: 'no such table: rate_limits' },
    })
    // From then on /healthz reports it too.
    expect((await app.request('http://localhost:3000/healthz')).status).toBe(503)
  })
})
