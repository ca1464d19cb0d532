/** `npm run demo`: Timebridge against loopback fakes of Toggl and Exist loaded with a sample account, on a temp database. */
import { jsonLogger } from '../src/shared/log.ts'
import { loadSampleAccount } from '../tests/fakes/sample-account.ts'
import { freePort, startFakes, startWebServer } from '../tests/helpers/web-stack.ts'

const now = () => Date.now()
const fakes = await startFakes(now)
const sample = loadSampleAccount(fakes.toggl, fakes.exist, { now: now() })
const wanted = Number(process.env.PORT ?? 3000)
const port = (await isFree(wanted)) ? wanted : await freePort()
// Warnings and errors only: the demo's terminal should show the instructions, not request logs.
const log = jsonLogger()
const web = await startWebServer(fakes, {
  now,
  oauth: true,
  port,
  schedule: '40 * * * *',
  log: { info() {}, warn: log.warn, error: log.error },
})

process.stdout.write(`
Timebridge demo — everything runs on this machine; Toggl and Exist are local fakes.

  1. Open ${web.url}
  2. Sign in with Exist and press Allow (the fake account is "${sample.existUser.username}").
  3. Paste this Toggl API token when asked:  ${sample.togglToken}
  4. Map a few projects, press Sync now, and look at the chart.

The sample account has ${sample.togglUser.projects.length} projects in 2 workspaces and ${sample.togglUser.entries.length} time entries;
RescueTime fills Productive time in the fake Exist, so taking it over asks for confirmation.

  5. Edit a day "by hand in Exist", then press Check Exist now and Repair these days:
     curl -X POST ${fakes.urls.exist}/_control/users/${sample.existUser.username}/values \\
       -H 'Content-Type: application/json' -d '{"attribute": "tv_min", "date": "<a recent YYYY-MM-DD>", "value": 95}'
     (…/owner with {"attribute": "tv_min", "owner": {"name": "trakt", "label": "Trakt"}} or "self"
     hands an attribute to another service or back.)

Press Ctrl+C to stop; the temporary database is deleted.
`)

const stop = async () => {
  await web.close()
  await fakes.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

async function isFree(p: number): Promise<boolean> {
  const { createServer } = await import('node:net')
  return new Promise((resolveFree) => {
    const probe = createServer()
    probe.once('error', () => resolveFree(false))
    probe.listen(p, () => probe.close(() => resolveFree(true)))
  })
}
