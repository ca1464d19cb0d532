/** `npm run demo` prints lines that work: the env and commands it shows run the real CLI against the demo's fakes and database. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Demo, startDemo } from '../../scripts/demo.ts'

const sh = promisify(execFile)

describe('npm run demo', { timeout: 120_000 }, () => {
  let demo: Demo
  beforeAll(async () => {
    demo = await startDemo({ port: 0 })
  })
  afterAll(() => demo?.stop())

  it('prints env lines and commands that run against it as printed', async () => {
    const lines = demo.instructions.split('\n').map((l) => l.trim())
    const exported = lines.filter((l) => l.startsWith('export ')).join('\n')
    for (const name of ['DATABASE_PATH', 'SECRET_KEY', 'EXIST_URL', 'TOGGL_URL', 'EXIST_TOKEN'])
      expect(exported).toContain(`${name}=`)
    // The README's connect: tokens from the environment, none on the command line.
    const connect = lines.find((l) => l.endsWith('cli -- connect'))!
    const map = lines.find((l) => l.includes(' map --user 1 --project toggl:'))!
    expect(map).toMatch(/--project toggl:(\d+) --attribute gaming_min$/)
    const bare = map.replace(/--project toggl:(\d+)/, '--project $1')
    // One shell, the printed lines verbatim: connect works; a bare project id gets the prefixed one suggested.
    const script = `${exported}\n${connect} --json\n${bare} || true\n${map} --json`
    const { stdout, stderr } = await sh('sh', ['-c', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    })
    const id = /toggl:(\d+)/.exec(map)![1]
    expect(stderr).toContain(`Unknown project "${id}": did you mean toggl:${id}?`)
    expect(stdout).toContain('"exist_username": "sam"')
    expect(stdout).toContain(`"project": "toggl:${id}"`)
    expect(stdout).toContain('"attribute": "gaming_min"')
  })
})
