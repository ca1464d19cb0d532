/** Vitest settings: the `node` project runs tests/** in Node; the `workerd` project runs tests/workerd/** inside workerd with D1 and Queues. */
import { fileURLToPath } from 'node:url'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { configDefaults, defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// workerd reports a WebSocket closed at teardown as an "exception" after the summary; the pool filters
// its sibling messages ("WebSocket was aborted") but not this one before 0.16 (cloudflare/workers-sdk
// PR #13833). Drop exactly that line (the pool writes it to stdout); everything else passes through.
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream)
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).includes('disconnected: WebSocket peer disconnected')
      ? true
      : write(chunk, ...rest)) as typeof stream.write
}

export default defineConfig({
  test: {
    // The app's JSON log lines (a run's outcome, the failures a test provokes on purpose) are the
    // product talking, not the test: vitest reports any failing assertion anyway.
    onConsoleLog: (log) => !/^\{"(time|level)":/.test(log.trimStart()),
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
