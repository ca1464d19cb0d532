/** Vitest settings: the `node` project runs tests/** in Node; the `workerd` project runs tests/workerd/** inside workerd with D1 and Queues. */
import { fileURLToPath } from 'node:url'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { configDefaults, defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  test: {
    // The Worker logs a JSON line per run; keep its warnings and errors, drop the routine ones.
    onConsoleLog: (log) => !log.includes('"level":"info"'),
    projects: [
      {
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'tests/workerd/**'],
          environment: 'node',
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: here('./wrangler.toml') },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(here('./drizzle')),
                SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789abcdef',
                // Served on loopback by tests/helpers/workerd-global-setup.ts, in Node.
                TOGGL_URL: inject('loopbackToggl'),
                EXIST_URL: inject('loopbackExist'),
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['tests/workerd/**/*.test.ts'],
          globalSetup: ['tests/helpers/workerd-global-setup.ts'],
          setupFiles: ['tests/workerd/apply-migrations.ts'],
          // One workerd runtime for all files (starting one costs ~5 s on 2 cores), so they share
          // the D1 database and run one after another; each test empties the tables first.
          isolate: false,
          fileParallelism: false,
        },
      },
    ],
  },
})
