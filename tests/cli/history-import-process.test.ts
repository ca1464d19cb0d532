/** `import-history` as a real process: killed with SIGKILL mid-import, then run again, it carries on from its stored chunk and lands the truth. */
import Database from 'better-sqlite3'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localWindow } from '../../src/core/local-window.ts'
import { FakeExist, FakeToggl, NetworkFaults } from '../fakes/index.ts'
import { connectMappedIn, serveCliEnv, startCli } from '../helpers/cli-process.ts'
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
  let world: Awaited<ReturnType<typeof serveCliEnv>>
  let env: NodeJS.ProcessEnv
  let userId: number

  beforeAll(async () => {
    world = await serveCliEnv(
      'timebridge-hist-',
      [toggl.fetch, existNet.wrap(exist.fetch)],
      'data/tb.db',
    )
    env = world.env
    userId = await connectMappedIn(env, existUser.token, togglUser.token, [
      [`toggl:${work.id}`, 'productive_min'],
      [`toggl:${tv.id}`, 'tv_min'],
    ])
  })
  afterAll(() => world.close())

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
