/**
 * `npm run fakes`: the loopback fakes of Toggl Track and Exist on their own, loaded with the sample
 * account, for running the Worker locally end to end (`wrangler dev`, README "Run the Worker
 * locally"). Ports: `--toggl-port` / `--exist-port` (default: free ones); Ctrl+C stops them.
 */
import { parseArgs } from 'node:util'
import { FakeExist, FakeToggl, loadSampleAccount, serveFake } from '../tests/fakes/index.ts'

const { values } = parseArgs({
  options: {
    'toggl-port': { type: 'string', default: '0' },
    'exist-port': { type: 'string', default: '0' },
  },
  strict: true,
})
const port = (name: 'toggl-port' | 'exist-port') => {
  const raw = values[name]
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    process.stderr.write(`fakes: --${name} must be a port number (got "${raw}")\n`)
    process.exit(2)
  }
  return Number(raw)
}

const now = () => Date.now()
const toggl = new FakeToggl({ now })
const exist = new FakeExist({ now })
const sample = loadSampleAccount(toggl, exist, { now: now() })
const served = await Promise.all([
  serveFake(toggl.fetch, { port: port('toggl-port') }),
  serveFake(exist.fetch, { port: port('exist-port') }),
])
const [togglUrl, existUrl] = served.map((s) => s.url)

process.stdout.write(`Fake Toggl Track: ${togglUrl}
Fake Exist:       ${existUrl}
Sample account:   Exist token ${sample.existToken} (user "${sample.existUser.username}"), Toggl token ${sample.togglToken}

Run the Worker against them:
  npx wrangler dev --test-scheduled --var TOGGL_URL:${togglUrl} --var EXIST_URL:${existUrl}
Press Ctrl+C to stop the fakes.
`)

const stop = async () => {
  await Promise.all(served.map((s) => s.close()))
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
