/** Node entry for `npm run cli` and `npm start`: wires the real process (env, SQLite, stdio, signals) into the CLI. */
import { text } from 'node:stream/consumers'
import { runCli } from '../cli/run-cli.ts'
import { jsonLogger, silentLogger } from '../shared/log.ts'
import { createNodeDeps } from './node-deps.ts'

const argv = process.argv.slice(2)
const serving = argv[0] === 'serve'
const log = serving ? jsonLogger() : silentLogger
/** How long a shutdown waits for requests and runs in flight: inside Docker's 10 s before SIGKILL. */
const SHUTDOWN_GRACE_MS = 8_000

// SIGTERM / SIGINT: stop taking work, let runs in flight stop between steps, close the database,
// exit. A second signal, or the grace period running out, exits at once: a run killed that way
// leaves a lease owned by this (then gone) process, which the next run on this host takes over.
const shutdown = new AbortController()
let stopped: NodeJS.Signals | undefined
const onSignal = (signal: NodeJS.Signals) => {
  if (stopped) process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
  stopped = signal
  log.info('shutdown_started', { signal })
  shutdown.abort()
  if (!serving) setTimeout(() => forceExit('runs did not stop in time'), SHUTDOWN_GRACE_MS).unref()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

function forceExit(why: string): never {
  process.stderr.write(
    `timebridge ${argv[0] ?? ''}: stopped by ${stopped} before it finished (${why}); the next run carries on\n`,
  )
  process.exit(128 + (stopped === 'SIGINT' ? 2 : 15))
}

const code = await runCli(argv, {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  open: () => createNodeDeps(process.env, { log, shutdown: shutdown.signal }),
  env: process.env,
  readStdin: () => text(process.stdin),
  async serve(deps) {
    // Loaded only to serve: the web app, its views and the HTTP server would slow every other command's start.
    const { startNodeServer } = await import('./node-server.ts')
    const server = await startNodeServer(deps, { port: deps.config.port })
    process.stdout.write(
      `Timebridge is running at ${server.url} — next sync ${server.nextRun()?.toISOString() ?? 'never'}\n`,
    )
    if (!shutdown.signal.aborted)
      await new Promise((resolveStop) => shutdown.signal.addEventListener('abort', resolveStop))
    const finished = await server.close(SHUTDOWN_GRACE_MS)
    // Closing the database under a run still in flight is what stranded users before: leave it to the OS.
    if (!finished) forceExit(`requests or runs still in flight after ${SHUTDOWN_GRACE_MS / 1000} s`)
    log.info('shutdown_finished')
  },
})
if (stopped && !serving) {
  process.stderr.write(
    `timebridge ${argv[0]}: interrupted by ${stopped}; runs in flight stopped between steps, the next run carries on\n`,
  )
  process.exitCode = 128 + (stopped === 'SIGINT' ? 2 : 15)
} else {
  process.exitCode = code
}
