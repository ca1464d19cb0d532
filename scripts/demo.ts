/** `npm run demo`: Timebridge against loopback fakes of Toggl and Exist loaded with a sample account, on a temp database; prints how to use the web UI and the CLI against it. */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { pathToFileURL } from 'node:url'
import { jsonLogger } from '../src/shared/log.ts'
import { loadSampleAccount } from '../tests/fakes/sample-account.ts'
import { freePort, startFakes, startWebServer } from '../tests/helpers/web-stack.ts'

export interface Demo {
  url: string
  /** What the terminal shows: the steps in the browser, and the env lines and commands for the CLI. */
  instructions: string
  stop(): Promise<void>
}

export async function startDemo(opts: { port?: number } = {}): Promise<Demo> {
  const now = () => Date.now()
  const fakes = await startFakes(now)
  const sample = loadSampleAccount(fakes.toggl, fakes.exist, { now: now() })
  const wanted = opts.port ?? 3000
  const port = wanted !== 0 && (await isFree(wanted)) ? wanted : await freePort()
  const secretKey = randomBytes(32).toString('hex')
  // Warnings and errors only: the demo's terminal should show the instructions, not request logs.
  const log = jsonLogger()
  const web = await startWebServer(fakes, {
    now,
    oauth: true,
    port,
    secretKey,
    schedule: '40 * * * *',
    log: { info() {}, warn: log.warn, error: log.error },
  })
  const env = {
    DATABASE_PATH: web.deps.config.databasePath,
    SECRET_KEY: secretKey,
    EXIST_URL: fakes.urls.exist,
    TOGGL_URL: fakes.urls.toggl,
  }
  const cli = 'npm run --silent cli --'
  const instructions = `
Timebridge demo — everything runs on this machine; Toggl and Exist are local fakes.

In the browser:
  1. Open ${web.url}
  2. Sign in with Exist and press Allow (the fake account is "${sample.existUser.username}").
  3. Paste this Toggl API token when asked:  ${sample.togglToken}
  4. Map a few projects and save: Timebridge syncs at once and shows the last 14 days.
  5. Edit a day "by hand in Exist", then press Check Exist now and Repair these days:
     curl -X POST ${fakes.urls.exist}/_control/users/${sample.existUser.username}/values \\
       -H 'Content-Type: application/json' -d '{"attribute": "tv_min", "date": "<a recent YYYY-MM-DD>", "value": 95}'
     (…/owner with {"attribute": "tv_min", "owner": {"name": "trakt", "label": "Trakt"}} or "self"
     hands an attribute to another service or back.)

On the command line (another terminal, in this folder), against the same fakes and database —
the README's commands, with the fake accounts' tokens:
  export ${Object.entries(env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ')}
  export EXIST_TOKEN='${sample.existToken}' TOGGL_TOKEN='${sample.togglToken}'
  ${cli} connect
  ${cli} projects --user 1
  ${cli} map --user 1 --project toggl:${sample.projects.gaming.id} --attribute gaming_min
  ${cli} sync --user 1
  ${cli} status

The sample account has ${sample.togglUser.projects.length} projects in 2 workspaces and ${sample.togglUser.entries.length} time entries;
RescueTime fills Productive time in the fake Exist, so taking it over asks for confirmation.
Press Ctrl+C to stop; the temporary database is deleted.
`
  return {
    url: web.url,
    instructions,
    async stop() {
      await web.close()
      await fakes.close()
    },
  }
}

async function isFree(p: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer()
    probe.once('error', () => resolveFree(false))
    probe.listen(p, () => probe.close(() => resolveFree(true)))
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 3000) })
  process.stdout.write(demo.instructions)
  const stop = async () => {
    await demo.stop()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
