/** Node entry for `npm run cli` and `npm start`: wires the real process (env, SQLite, stdout, signals) into the CLI. */
import { runCli } from '../cli/run-cli.ts'
import { jsonLogger, silentLogger } from '../shared/log.ts'
import { createNodeDeps } from './node-deps.ts'

const argv = process.argv.slice(2)
const serving = argv[0] === 'serve'

const code = await runCli(argv, {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  open: () => createNodeDeps(process.env, { log: serving ? jsonLogger() : silentLogger }),
  async serve(deps) {
    // Loaded only to serve: the web app, its views and the HTTP server would slow every other command's start.
    const { startNodeServer } = await import('./node-server.ts')
    const server = await startNodeServer(deps, { port: deps.config.port })
    process.stdout.write(
      `Timebridge is running at ${server.url} — next sync ${server.nextRun()?.toISOString() ?? 'never'}\n`,
    )
    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await server.close()
  },
})
process.exitCode = code
