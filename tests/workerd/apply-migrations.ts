/** Applies drizzle/ to the test D1 database before each test file (idempotent; the same files wrangler applies). */
import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
