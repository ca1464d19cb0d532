/** `import-history` as a real process: killed with SIGKILL mid-import, then run again, it carries on from its stored chunk and lands the truth. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { localWindow } from '../../src/core/local-window.ts'
import { createNodeDeps } from '../../src/entry/node-deps.ts'
import { FakeExist, FakeToggl, NetworkFaults, type ServedFake, serveFake } from '../fakes/index.ts'
import { startCli } from '../helpers/cli-process.ts'
import { TEST_SECRET } from '../helpers/harness.ts'
import { datesBetween, expectHistoryMatches, historyEntries } from '../helpers/history.ts'
import { togglEntries } from '../helpers/scenario.ts'

const ZONE = 'Europe/Berlin'

describe('import-history as a process', { timeout: 60_000 }, () => {
  const toggl = new FakeToggl()
  const exist = new FakeExist()
  const existNet = new NetworkFaults()
  const togglUser = toggl.addUser({ token: 'hist-toggl-token-0001', timezone: ZONE })
  const existUser = exist.addUser({
    token: 'hist-exist-token-0001',
    username: 'hal',
    timezone: ZONE,
  })
  const work = toggl.addProject(togglUser, { name: 'Work' })
  const tv = toggl.addProject(togglUser, { name: 'TV' })
  let servers: ServedFake[]
  let dir: string
  let env: NodeJS.ProcessEnv
  let userId: number

  beforeAll(async () => {
    servers = await Promise.all([serveFake(toggl.fetch), serveFake(existNet.wrap(exist.fetch))])
    dir = mkdtempSync(join(tmpdir(), 'timebridge-hist-'))
    env = {
      ...process.env,
      DATABASE_PATH: join(dir, 'data', 'tb.db'),
      SECRET_KEY: TEST_SECRET,
      TOGGL_URL: servers[0]!.url,
      EXIST_URL: servers[1]!.url,
    }
    const { deps, close } = await createNodeDeps(env)
    ;({ user: userId } = await connectUser(
      deps,
      { kind: 'personal', token: existUser.token },
      { togglToken: togglUser.token },
    ))
    await mapProject(deps, userId, `toggl:${work.id}`, 'productive_min')
    await mapProject(deps, userId, `toggl:${tv.id}`, 'tv_min')
    close()
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    rmSync(dir, { recursive: true, force: true })
  })

  const progress = () => {
    const db = new Database(env.DATABASE_PATH!, { readonly: true })
    try {
      return db
        .prepare('select days_done, next_date, status from history_imports where user_id = ?')
        .get(userId) as { days_done: number; next_date: string; status: string }
    } finally {
      db.close()
    }
  }

  it('killed with SIGKILL in its second chunk, the next run resumes from the stored chunk and lands the truth', async () => {
    const today = DateTime.now().setZone(ZONE)
    const since = today.minus({ days: 100 }).toISODate()!
    const until = DateTime.fromISO(localWindow(Date.now(), ZONE, 14).dates[0]!)
      .minus({ days: 1 })
      .toISODate()!
    for (const e of historyEntries(ZONE, today.minus({ days: 102 }).toISODate()!, until, [
      String(work.id),
      String(tv.id),
    ])) {
      toggl.addEntry(togglUser, { projectId: Number(e.project), start: e.start, stop: e.stop })
    }

    const args = ['import-history', '--user', String(userId), '--since', since, '--json']
    const run = startCli(args, env)
    let updates = 0
    existNet.onRequest = async (info) => {
      if (!info.path.includes('/attributes/update')) return
      // Chunk 1 takes two update batches (2 attributes × 31 days); kill in chunk 2's first.
      if (++updates < 3) return
      existNet.onRequest = undefined
      run.child.kill('SIGKILL')
      await run.done
    }
    expect((await run.done).signal).toBe('SIGKILL')
    expect(progress()).toMatchObject({ days_done: 31, status: 'running' })

    const again = await startCli(args, env).done
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    const out = JSON.parse(again.stdout)
    const days = datesBetween(since, until)
    expect(out).toMatchObject({
      user: userId,
      import: { status: 'done', days_done: days.length, days_total: days.length, error: null },
    })
    expectHistoryMatches(
      exist,
      existUser,
      ZONE,
      togglEntries(togglUser),
      new Map([
        [`toggl:${work.id}`, 'productive_min'],
        [`toggl:${tv.id}`, 'tv_min'],
      ]),
      days,
      Date.now(),
    )
  })
})
