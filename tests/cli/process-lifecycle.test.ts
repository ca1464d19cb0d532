/** The real processes: `sync` killed with SIGKILL or stopped with SIGTERM mid-run, `serve` stopped mid-run, tokens from env and stdin, file modes, bad ids. */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeExist, FakeToggl, NetworkFaults } from '../fakes/index.ts'
import { connectMappedIn, serveCliEnv, startCli } from '../helpers/cli-process.ts'
import { expectExistMatchesAt, togglEntries } from '../helpers/scenario.ts'

const ZONE = 'Europe/Berlin'

describe('processes: crash, shutdown and operating', { timeout: 60_000 }, () => {
  const toggl = new FakeToggl()
  const exist = new FakeExist()
  const togglNet = new NetworkFaults()
  const existNet = new NetworkFaults()
  const togglUser = toggl.addUser({
    token: 'proc-toggl-token-0001',
    timezone: ZONE,
    fullname: 'Eve',
  })
  const existUser = exist.addUser({
    token: 'proc-exist-token-0001',
    username: 'eve',
    timezone: ZONE,
  })
  const work = toggl.addProject(togglUser, { name: 'Work' })
  const tv = toggl.addProject(togglUser, { name: 'TV' })
  let world: Awaited<ReturnType<typeof serveCliEnv>>
  let env: NodeJS.ProcessEnv
  let userId: number

  beforeAll(async () => {
    world = await serveCliEnv(
      'timebridge-proc-',
      [togglNet.wrap(toggl.fetch), existNet.wrap(exist.fetch)],
      'data/tb.db',
    )
    env = world.env
    userId = await connectMappedIn(env, existUser.token, togglUser.token, [
      [`toggl:${work.id}`, 'productive_min'],
      [`toggl:${tv.id}`, 'tv_min'],
    ])
  })
  afterAll(() => world.close())
  beforeEach(() => {
    togglNet.onRequest = existNet.onRequest = undefined
    togglNet.onResponse = existNet.onResponse = undefined
  })

  /** New entries since the last run, so every run has something to write. */
  const addWork = () => {
    const start = Date.now() - (2 + Math.floor(Math.random() * 200)) * 3_600_000
    toggl.addEntry(togglUser, {
      projectId: Math.random() < 0.5 ? work.id : tv.id,
      start,
      stop: start + (5 + Math.floor(Math.random() * 90)) * 60_000,
    })
  }
  const expectConverged = () =>
    expectExistMatchesAt(
      exist,
      Date.now(),
      existUser,
      ZONE,
      togglEntries(togglUser),
      new Map([
        [`toggl:${work.id}`, 'productive_min'],
        [`toggl:${tv.id}`, 'tv_min'],
      ]),
    )

  const cleanSync = async () => {
    const r = await startCli(['sync', '--user', String(userId), '--json'], env).done
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout).users[0]
    expect(report).toMatchObject({ user: userId, status: 'ok', error: null })
    return report
  }
  const leaseRow = () => {
    const db = new Database(env.DATABASE_PATH!, { readonly: true })
    try {
      return db.prepare('select lease_owner, lease_until from users where id = ?').get(userId)
    } finally {
      db.close()
    }
  }

  it('after kill -9 during the Exist writes, the next sync started at once runs and converges', async () => {
    await cleanSync()
    addWork()
    addWork()
    const run = startCli(['sync', '--user', String(userId), '--json'], env)
    existNet.onRequest = async (info) => {
      if (!/attributes\/(update|increment)/.test(info.path)) return
      existNet.onRequest = undefined
      run.child.kill('SIGKILL')
      await run.done
      // The write still lands, as one in flight at a crash may.
    }
    expect((await run.done).signal).toBe('SIGKILL')
    expect((leaseRow() as { lease_owner: string | null }).lease_owner).toContain(
      `"pid":${run.child.pid}`,
    )
    await cleanSync()
    expectConverged()
  })

  it('SIGTERM during sync: the run stops between steps, the database closes after it, the next sync converges', async () => {
    addWork()
    const run = startCli(['sync', '--user', String(userId), '--json'], env)
    togglNet.onRequest = async (info) => {
      if (!info.path.includes('time_entries')) return
      togglNet.onRequest = undefined
      run.child.kill('SIGTERM')
      return { kind: 'delay', ms: 300 }
    }
    const r = await run.done
    expect(r.code).toBe(143)
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^timebridge sync: interrupted by SIGTERM; runs in flight stopped between steps/,
      ),
    ])
    expect(JSON.parse(r.stdout).users[0]).toMatchObject({
      status: 'deferred',
      error: expect.stringMatching(/shutting down/),
    })
    expect(leaseRow()).toEqual({ lease_owner: null, lease_until: null })
    await cleanSync()
    expectConverged()
  })

  it('serve on SIGTERM stops accepting requests, lets the scheduled run in flight finish its step, then closes the database', async () => {
    addWork()
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    const run = startCli(['serve'], { ...env, PORT: String(port), SYNC_SCHEDULE: '* * * * * *' })
    let signalled = false
    let refusedWhileRunning: boolean | undefined
    togglNet.onRequest = async (info) => {
      if (!info.path.includes('time_entries') || signalled) return
      signalled = true
      run.child.kill('SIGTERM')
      // While the run waits for Toggl, the server no longer takes connections.
      await new Promise((ok) => setTimeout(ok, 300))
      refusedWhileRunning = await refused(port)
      return { kind: 'delay', ms: 100 }
    }
    const r = await run.done
    expect(signalled).toBe(true)
    expect(refusedWhileRunning).toBe(true)
    expect(r.code).toBe(0)
    expect(r.stderr).not.toMatch(/not open|sync_failed/)
    expect(r.stderr).toMatch(/"event":"shutdown_finished"/)
    // A clean close checkpoints and removes the WAL.
    expect(existsSync(`${env.DATABASE_PATH}-wal`)).toBe(false)
    expect(leaseRow()).toEqual({ lease_owner: null, lease_until: null })
    await cleanSync()
    expectConverged()
  })

  it('connect takes tokens from the environment or stdin, never needing them on the command line', async () => {
    const fromEnv = startCli(['connect', '--json'], {
      ...env,
      EXIST_TOKEN: existUser.token,
      TOGGL_TOKEN: togglUser.token,
    })
    const a = await fromEnv.done
    expect(a.stderr).toBe('')
    expect(JSON.parse(a.stdout)).toMatchObject({
      user: userId,
      created: false,
      sources: [{ source: 'toggl' }],
    })

    const piped = startCli(['connect', '--exist-token', '-', '--toggl-token', '-', '--json'], env)
    piped.child.stdin.end(`${existUser.token}\n${togglUser.token}\n`)
    const b = await piped.done
    expect(b.stderr).toBe('')
    expect(JSON.parse(b.stdout)).toMatchObject({ user: userId, created: false })

    const short = startCli(['connect', '--exist-token', '-', '--toggl-token', '-'], env)
    short.child.stdin.end(`${existUser.token}\n`)
    const c = await short.done
    expect(c.code).toBe(2)
    expect(c.stderr.trim()).toMatch(
      /^timebridge connect: stdin must hold 2 line\(s\), one token for each of --exist-token, --toggl-token given as "-" \(got 1\)/,
    )

    const none = await startCli(['connect'], env).done
    expect(none.stderr.trim()).toBe(
      'timebridge connect: --exist-token is required (or EXIST_TOKEN in the environment)',
    )
    for (const r of [a, b, c, none]) expect(r.stdout + r.stderr).not.toContain(togglUser.token)
  })

  it('rejects a user id that is not a safe integer instead of reading another user', async () => {
    for (const args of [
      ['sync', '--user', '9007199254740993'],
      ['status', '--user', '9007199254740993', '--json'],
    ]) {
      const r = await startCli(args, env).done
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /--user must be a user id, a whole number from 1 to 9007199254740991 \(got "9007199254740993"\)/,
        ),
      ])
    }
  })

  it('after SECRET_KEY changed, says in one line that the saved tokens cannot be read and what to do', async () => {
    const otherKey = { ...env, SECRET_KEY: 'another-secret-key-0123456789abcdef0123456789' }
    const refresh = await startCli(['projects', '--user', String(userId), '--refresh'], otherKey)
      .done
    expect(refresh.code).toBe(1)
    expect(refresh.stderr.trim().split('\n')).toEqual([
      "timebridge projects: The saved Toggl Track token can't be read: SECRET_KEY changed since it was saved. Connect Toggl Track again (Sources page, or the connect command)",
    ])
    const sync = await startCli(['sync', '--user', String(userId), '--json'], otherKey).done
    expect(JSON.parse(sync.stdout).users[0]).toMatchObject({
      status: 'stopped',
      error: expect.stringMatching(/^The saved Exist token can't be read/),
    })
    // Connecting again with the new key re-seals the tokens and resumes syncing.
    const again = startCli(
      ['connect', '--exist-token', '-', '--toggl-token', '-', '--json'],
      otherKey,
    )
    again.child.stdin.end(`${existUser.token}\n${togglUser.token}\n`)
    expect((await again.done).code).toBe(0)
    expect(
      JSON.parse(
        (await startCli(['sync', '--user', String(userId), '--json'], otherKey).done).stdout,
      ).users[0].status,
    ).toBe('ok')
    // Back to the key the other tests use.
    const back = startCli(['connect', '--exist-token', '-', '--toggl-token', '-'], env)
    back.child.stdin.end(`${existUser.token}\n${togglUser.token}\n`)
    expect((await back.done).code).toBe(0)
  })

  it('keeps the database, its -wal and -shm, and data/ private (0600 / 0700)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'timebridge-modes-'))
    const own = { ...env, DATABASE_PATH: join(cwd, 'data', 'timebridge.db'), SECRET_KEY: '' }
    const previous = process.umask(0o022)
    try {
      const run = startCli(
        ['serve'],
        { ...own, PORT: String(20_000 + Math.floor(Math.random() * 20_000)) },
        cwd,
      )
      await new Promise<void>((ok, fail) => {
        run.child.stdout.on('data', (d) => String(d).includes('running at') && ok())
        void run.done.then((r) => fail(new Error(`serve exited: ${r.stderr}`)))
      })
      const mode = (p: string) => statSync(join(cwd, 'data', p)).mode & 0o777
      expect(statSync(join(cwd, 'data')).mode & 0o777).toBe(0o700)
      expect(mode('timebridge.db')).toBe(0o600)
      expect(mode('timebridge.db-wal')).toBe(0o600)
      expect(mode('timebridge.db-shm')).toBe(0o600)
      expect(mode('secret.key')).toBe(0o600)
      run.child.kill('SIGTERM')
      expect((await run.done).code).toBe(0)
    } finally {
      process.umask(previous)
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})

/** true when nothing accepts connections on the port any more. */
function refused(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      ok(false)
    })
    socket.once('error', () => ok(true))
  })
}
