/** The real CLI process (npm run cli → the bundle in dist/, built by `npm test`) against loopback fakes: JSON shapes, exit codes, one-line errors, no tokens. */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeClockify, FakeExist, FakeToggl } from '../fakes/index.ts'
import { serveCliEnv } from '../helpers/cli-process.ts'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const NODE = process.execPath
const CLI = join(ROOT, 'dist/cli.js')

describe('CLI', { timeout: 60_000 }, () => {
  const toggl = new FakeToggl()
  const exist = new FakeExist()
  const togglUser = toggl.addUser({
    token: 'cli-toggl-token-0001',
    timezone: 'Europe/Berlin',
    fullname: 'Dana',
  })
  const existUser = exist.addUser({
    token: 'cli-exist-token-0001',
    username: 'dana',
    timezone: 'Europe/Berlin',
  })
  const work = toggl.addProject(togglUser, { name: 'Work' })
  const fun = toggl.addProject(togglUser, { name: 'Games' })
  const clockify = new FakeClockify()
  const clockifyUser = clockify.addUser({ key: 'cli-clockify-key-0001', name: 'Dana' })
  const reading = clockify.addProject(clockifyUser, { name: 'Reading' })
  const tokens = [togglUser.token, existUser.token, clockifyUser.key]
  let world: Awaited<ReturnType<typeof serveCliEnv>>
  let dir: string
  let env: NodeJS.ProcessEnv
  let all = ''

  beforeAll(async () => {
    // The bundle is what `npm run cli` runs; build it from the current source (npm test does too).
    await run(NODE, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT })
    world = await serveCliEnv('timebridge-cli-', [toggl.fetch, exist.fetch, clockify.fetch])
    ;({ env, dir } = world)
    const start = Date.now() - 26 * 3_600_000
    toggl.addEntry(togglUser, { projectId: work.id, start, stop: start + 90 * 60_000 })
    toggl.addEntry(togglUser, {
      projectId: fun.id,
      start: start + 3 * 3_600_000,
      stop: start + 4 * 3_600_000,
    })
  })
  afterAll(async () => {
    await world.close()
    // Nothing the CLI printed, in any test, contained a token.
    for (const token of tokens) expect(all).not.toContain(token)
  })

  async function cli(
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; npm?: boolean } = {},
  ) {
    const [file, argv] = opts.npm
      ? ['npm', ['run', '--silent', 'cli', '--', ...args]]
      : [NODE, [CLI, ...args]]
    try {
      const { stdout, stderr } = await run(file, argv, {
        env: opts.env ?? env,
        cwd: opts.cwd ?? ROOT,
      })
      all += stdout + stderr
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      all += e.stdout + e.stderr
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
  const json = async (args: string[]) => {
    const r = await cli([...args, '--json'])
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('')
    expect(r.code).toBe(0)
    return JSON.parse(r.stdout)
  }
  const oneLineError = (r: { code: number; stderr: string }, pattern: RegExp) => {
    expect(r.code).not.toBe(0)
    const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(pattern)
  }

  it('refuses a bad token before storing anything', async () => {
    oneLineError(
      await cli(['connect', '--exist-token', 'not-the-right-token', '--json']),
      /Exist refused this token/,
    )
    oneLineError(
      await cli([
        'connect',
        '--exist-token',
        existUser.token,
        '--toggl-token',
        'wrong-toggl-token-00',
      ]),
      /Toggl Track refused this token/,
    )
    expect(await json(['status'])).toEqual({ users: [] })
  })

  it('connects, lists projects, maps, syncs and reports status through npm run cli', async () => {
    const r = await cli(
      ['connect', '--exist-token', existUser.token, '--toggl-token', togglUser.token, '--json'],
      { npm: true },
    )
    expect(r.code).toBe(0)
    const connected = JSON.parse(r.stdout)
    expect(connected).toMatchObject({
      user: 1,
      exist_username: 'dana',
      timezone: 'Europe/Berlin',
      created: true,
    })

    const projects = await json(['projects', '--user', '1'])
    expect(projects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ project: `toggl:${work.id}`, name: 'Work', attribute: null }),
      ]),
    )
    expect(
      await json([
        'map',
        '--user',
        '1',
        '--project',
        `toggl:${work.id}`,
        '--attribute',
        'productive_min',
      ]),
    ).toMatchObject({
      project: `toggl:${work.id}`,
      attribute: 'productive_min',
    })
    await json(['map', '--user', '1', '--project', `toggl:${fun.id}`, '--attribute', 'gaming_min'])

    const sync = await json(['sync'])
    expect(sync.users).toHaveLength(1)
    expect(sync.users[0]).toMatchObject({ user: 1, status: 'ok', summary: { read: { toggl: 2 } } })
    const total = [...(existUser.values.get('productive_min')?.values() ?? [])].reduce(
      (a, b) => a + b,
      0,
    )
    expect(total).toBe(90)

    const status = await json(['status', '--user', '1'])
    expect(status.users[0]).toMatchObject({
      user: 1,
      exist_username: 'dana',
      timezone: 'Europe/Berlin',
      syncing: true,
      sources: expect.arrayContaining([
        expect.objectContaining({ source: 'toggl', connected: true, reason: null, paused: false }),
      ]),
      mappings: expect.arrayContaining([
        { project: `toggl:${work.id}`, attribute: 'productive_min' },
      ]),
    })
    expect(status.users[0].runs[0]).toMatchObject({
      status: 'ok',
      summary: { written: { increment: 0, update: 28 } },
    })

    const text = await cli(['sync', '--user', '1'])
    // People get words and local times; the exact figures are in --json above.
    expect(text.stdout).toMatch(
      /^user 1: done; read 2 time entries from Toggl Track; Exist needed no change/,
    )
    const said = (await cli(['status', '--user', '1'])).stdout
    expect(said).toMatch(/last run: \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d, done/)
    expect(said).not.toMatch(/\d{4}-\d\d-\d\dT/)
  })

  it('unmaps with --clear: the attribute it alone fed is set to 0 for the window, then handed back', async () => {
    const held = [...(existUser.values.get('gaming_min')?.values() ?? [])]
    expect(held.some((v) => v > 0)).toBe(true)
    oneLineError(
      await cli(['map', '--user', '1', '--project', String(fun.id), '--attribute', 'none']),
      new RegExp(`Unknown project "${fun.id}": did you mean toggl:${fun.id}\\?`),
    )
    const cleared = await json([
      'map',
      '--user',
      '1',
      '--project',
      `toggl:${fun.id}`,
      '--attribute',
      'none',
      '--clear',
    ])
    expect(cleared).toMatchObject({
      attribute: null,
      previous: 'gaming_min',
      released: ['gaming_min'],
      cleared: 14,
    })
    expect([...(existUser.values.get('gaming_min')?.values() ?? [])].every((v) => v === 0)).toBe(
      true,
    )
    expect(existUser.attributes.get('gaming_min')!.service).toBeNull()
    // Mapped again for the tests below.
    await json(['map', '--user', '1', '--project', `toggl:${fun.id}`, '--attribute', 'gaming_min'])
  })

  it('checks Exist against what was sent and repairs exactly the drifted day', async () => {
    const [date] = [...existUser.values.get('productive_min')!.entries()].find(([, v]) => v === 90)!
    exist.setValue(existUser, 'productive_min', date, 30)
    exist.resetLog()
    const report = await json(['check', '--user', '1'])
    expect(report).toMatchObject({
      user: 1,
      requests: 2,
      attributes: ['gaming_min', 'productive_min'],
      days_compared: 28,
      drift: [{ attribute: 'productive_min', date, exist: 30, sent: 90 }],
      regained: [],
      lost: [],
      unreadable: [],
    })
    expect(exist.requests.map((r) => r.path)).toEqual([
      '/api/2/attributes/with-values/',
      '/api/2/attributes/owned/',
    ])
    const text = await cli(['check', '--user', '1'])
    expect(text.stdout).toContain(
      `productive_min ${date}: Exist shows 30 min, Timebridge sent 90 min`,
    )

    exist.resetLog()
    const repaired = await json(['repair', '--user', '1'])
    expect(repaired).toMatchObject({
      user: 1,
      status: 'ok',
      repaired: [{ attribute: 'productive_min', date, value: 90 }],
    })
    expect(exist.writes().map((r) => [r.path, r.body])).toEqual([
      ['/api/2/attributes/update/', [{ name: 'productive_min', date, value: 90 }]],
    ])
    expect(exist.value(existUser, 'productive_min', date)).toBe(90)
    expect((await json(['check', '--user', '1'])).drift).toEqual([])
    oneLineError(await cli(['repair', '--user', '42']), /No user 42/)
    oneLineError(await cli(['check']), /--user is required/)
  })

  it('connects a Clockify key, refusing a region without a key', async () => {
    oneLineError(
      await cli(['connect', '--exist-token', existUser.token, '--clockify-region', 'eu']),
      /--clockify-region needs --clockify-key/,
    )
    oneLineError(
      await cli([
        'connect',
        '--exist-token',
        existUser.token,
        '--clockify-key',
        clockifyUser.key,
        '--clockify-region',
        'moon',
      ]),
      /Clockify region "moon" must be one of/,
    )
    const r = await json([
      'connect',
      '--exist-token',
      existUser.token,
      '--clockify-key',
      clockifyUser.key,
    ])
    expect(r).toMatchObject({
      user: 1,
      created: false,
      sources: [{ source: 'clockify', projects: 1 }],
    })
    const projects = await json(['projects', '--user', '1'])
    expect(projects.map((p: { project: string }) => p.project)).toContain(`clockify:${reading.id}`)
    expect(projects.map((p: { project: string }) => p.project)).toContain(`toggl:${work.id}`)
  })

  it('explains bad input in one line and exits non-zero', async () => {
    oneLineError(await cli(['status', '--user', '42']), /No user 42/)
    oneLineError(await cli(['status', '--user', 'abc']), /--user must be a user id/)
    oneLineError(
      await cli(['map', '--user', '1', '--project', 'toggl:1', '--attribute', 'tv_min']),
      /Unknown project "toggl:1"/,
    )
    oneLineError(
      await cli([
        'map',
        '--user',
        '1',
        '--project',
        `toggl:${work.id}`,
        '--attribute',
        'sleep_quality',
      ]),
      /Unknown attribute "sleep_quality"/,
    )
    oneLineError(await cli(['sync', '--usr', '1']), /Unknown option '--usr'/)
    oneLineError(await cli(['frobnicate']), /unknown command "frobnicate"/)
    oneLineError(
      await cli(['disconnect', '--user', '1', '--source', 'harvest']),
      /--source must be toggl or clockify/,
    )
    oneLineError(await cli(['status'], { env: { ...env, PORT: 'eighty' } }), /Invalid PORT/)
  })

  it('lists, adds, moves and removes rules, with one-line errors for bad ones', async () => {
    const before = await json(['rules', '--user', '1'])
    expect(before.every((r: { from: string }) => r.from === 'mapping')).toBe(true)
    const added = await json([
      'rule',
      'add',
      '--user',
      '1',
      '--match',
      'tag:reading',
      '--attribute',
      'tv_min',
    ])
    expect(added.rules[0]).toEqual({
      position: 1,
      match: 'tag:reading',
      attribute: 'tv_min',
      from: 'rule',
    })
    const second = await json([
      'rule',
      'add',
      '--user',
      '1',
      '--match',
      'description:Dune',
      '--attribute',
      'tv_min',
      '--position',
      '1',
    ])
    expect(second.rules.slice(0, 2).map((r: { match: string }) => r.match)).toEqual([
      'description:Dune',
      'tag:reading',
    ])
    const moved = await json(['rule', 'move', '--user', '1', '--position', '1', '--to', '2'])
    expect(moved.rules[0].match).toBe('tag:reading')
    oneLineError(
      await cli(['rule', 'add', '--user', '1', '--match', 'colour:red', '--attribute', 'tv_min']),
      /not a rule: write KIND:VALUE/,
    )
    oneLineError(
      await cli([
        'rule',
        'add',
        '--user',
        '1',
        '--match',
        'tag:x',
        '--attribute',
        'tv_min',
        '--position',
        '9',
      ]),
      /Position must be a whole number from 1 to 3/,
    )
    oneLineError(
      await cli(['rule', 'remove', '--user', '1', '--position', 'x']),
      /--position must be/,
    )
    oneLineError(await cli(['rule', 'frob', '--user', '1']), /unknown command "rule frob"/)
    await json(['rule', 'remove', '--user', '1', '--position', '1'])
    const last = await json(['rule', 'remove', '--user', '1', '--position', '1'])
    expect(last.released).toEqual(['tv_min'])
    // A new Exist attribute as the target: created (duration, synced), then taken like a template.
    oneLineError(
      await cli([
        'rule',
        'add',
        '--user',
        '1',
        '--match',
        'tag:deep',
        '--attribute',
        'tv_min',
        '--new-attribute',
        'X',
      ]),
      /either --attribute or --new-attribute/,
    )
    const created = await json([
      'rule',
      'add',
      '--user',
      '1',
      '--match',
      'tag:deep',
      '--new-attribute',
      'Deep work',
    ])
    expect(created.created).toBe('deep_work')
    expect(created.rules[0]).toMatchObject({ match: 'tag:deep', attribute: 'deep_work' })
    expect(existUser.attributes.get('deep_work')).toMatchObject({ value_type: 3, manual: false })
    const gone = await json(['rule', 'remove', '--user', '1', '--position', '1'])
    expect(gone.released).toEqual(['deep_work'])
    expect(await json(['rules', '--user', '1'])).toEqual(before)
    const text = await cli(['rules', '--user', '1'])
    expect(text.stdout).toMatch(/1\. project:toggl:\d+ → \w+ \(project mapping\)/)
  })

  it('zeroes out, purges and disconnects', async () => {
    const zero = await json(['zero-out', '--user', '1'])
    expect(zero).toMatchObject({ user: 1, status: 'ok', zeroed: 28 })
    expect((await json(['purge'])).users).toBe(1)
    expect(await json(['disconnect', '--user', '1', '--source', 'clockify'])).toMatchObject({
      source: 'clockify',
      released: [],
    })
    expect((await json(['status', '--user', '1'])).users[0].sources).toContainEqual(
      expect.objectContaining({
        source: 'clockify',
        connected: false,
        reason: null,
        paused: false,
      }),
    )
    const gone = await json(['disconnect', '--user', '1'])
    expect(gone.released.sort()).toEqual(['gaming_min', 'productive_min'])
    expect(await json(['status'])).toEqual({ users: [] })
    const db = readFileSync(join(dir, 'tb.db')).toString('latin1')
    for (const token of tokens) expect(db).not.toContain(token)
  })

  it('generates a secret key once, readable only by its owner, when SECRET_KEY is unset', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'timebridge-key-'))
    const noKey = { ...env, SECRET_KEY: '', DATABASE_PATH: join(cwd, 'db.sqlite') }
    expect((await cli(['status', '--json'], { env: noKey, cwd })).code).toBe(0)
    const key = readFileSync(join(cwd, 'data/secret.key'), 'utf8')
    expect(key.trim()).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(cwd, 'data/secret.key')).mode & 0o777).toBe(0o600)
    await cli(['status'], { env: noKey, cwd })
    expect(readFileSync(join(cwd, 'data/secret.key'), 'utf8')).toBe(key)
    rmSync(cwd, { recursive: true, force: true })
  })

  it('checks --user before opening anything: a mistake on a fresh machine creates no files', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'timebridge-fresh-'))
    const fresh = { ...env, SECRET_KEY: '', DATABASE_PATH: join(cwd, 'data/db.sqlite') }
    oneLineError(await cli(['sync', '--user', 'x1'], { env: fresh, cwd }), /--user must be/)
    oneLineError(await cli(['zero-out'], { env: fresh, cwd }), /--user is required/)
    oneLineError(await cli(['status', '--user', '0'], { env: fresh, cwd }), /--user must be/)
    expect(readdirSync(cwd)).toEqual([])
    rmSync(cwd, { recursive: true, force: true })
  })

  it('serve answers on PORT and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process')
    const port = await freePort()
    const child = spawn(NODE, [CLI, 'serve'], { env: { ...env, PORT: String(port) }, cwd: ROOT })
    const url = await new Promise<string>((ok, fail) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        const m = out.match(/running at (http:\/\/\S+)/)
        if (m) ok(m[1]!)
      })
      child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)))
    })
    expect(url).toBe(`http://localhost:${port}`)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    child.kill('SIGTERM')
    const code = await new Promise((ok) => child.once('exit', ok))
    expect(code).toBe(0)
  })
})

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => ok(port))
    })
  })
}
