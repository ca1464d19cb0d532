/**
 * Crash: the real `sync` process is killed with SIGKILL at seeded random points — while reading
 * Toggl (before any Exist write), as an Exist write arrives (not applied), after Exist applied a
 * write but before its answer, right after an answer (during the ledger writes), or after a random
 * delay — and one clean `sync`, started at once, must run and leave Exist equal to the truth.
 * A failure prints its seed; TIMEBRIDGE_SEED=<base seed> replays the sequence. TIMEBRIDGE_LONG=1 tries 100 kills.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeExist, FakeToggl, NetworkFaults } from '../fakes/index.ts'
import { type CliChild, connectMappedIn, serveCliEnv, startCli } from '../helpers/cli-process.ts'
import { expectExistMatchesAt, togglEntries } from '../helpers/scenario.ts'
import { baseSeed, type Rand, seeded } from '../helpers/seeded.ts'

const LONG = process.env.TIMEBRIDGE_LONG === '1'
const KILLS = LONG ? 100 : 5
const ZONE = 'Europe/Berlin'
const MINUTE = 60_000
const KILL_POINTS = [
  'toggl read',
  'exist write arrives',
  'exist write applied',
  'ledger write',
  'random delay',
] as const
type KillPoint = (typeof KILL_POINTS)[number]

describe('crash: sync killed with SIGKILL at random points, then one clean run converges', () => {
  // Real time: the CLI processes use the system clock, so the fakes do too (quotas out of the way).
  const toggl = new FakeToggl({ quotaPerHour: 1_000_000 })
  const exist = new FakeExist({ ratePerHour: 1_000_000 })
  const togglNet = new NetworkFaults()
  const existNet = new NetworkFaults()
  const togglUser = toggl.addUser({
    token: 'crash-toggl-token-0001',
    timezone: ZONE,
    fullname: 'Kim',
  })
  const existUser = exist.addUser({
    token: 'crash-exist-token-0001',
    username: 'kim',
    timezone: ZONE,
  })
  const projects = ['Work', 'Series', 'Games', 'Errands'].map((name) =>
    toggl.addProject(togglUser, { name }),
  )
  const mapping = new Map([
    [`toggl:${projects[0]!.id}`, 'productive_min'],
    [`toggl:${projects[1]!.id}`, 'tv_min'],
    [`toggl:${projects[2]!.id}`, 'gaming_min'],
  ])
  let world: Awaited<ReturnType<typeof serveCliEnv>>
  let env: NodeJS.ProcessEnv
  let userId: number

  beforeAll(async () => {
    world = await serveCliEnv('timebridge-crash-', [
      togglNet.wrap(toggl.fetch),
      existNet.wrap(exist.fetch),
    ])
    env = world.env
    userId = await connectMappedIn(env, existUser.token, togglUser.token, mapping)
  })
  afterAll(() => world.close())

  const expectConverged = () =>
    expectExistMatchesAt(exist, Date.now(), existUser, ZONE, togglEntries(togglUser), mapping)

  /** Random edits in Toggl since the last run, so the next run has writes to make. */
  const edit = (rand: Rand) => {
    const now = Date.now()
    for (let n = rand.int(1, 4); n > 0; n--) {
      const live = togglUser.entries.filter((e) => e.serverDeletedAt === null)
      const op =
        live.length < 3
          ? 'create'
          : rand.pick(['create', 'create', 'edit', 'move', 'delete'] as const)
      const e = live.length ? rand.pick(live) : undefined
      if (op === 'create' || !e || e.stop === null) {
        const start = Math.floor((now - rand.int(5, 13 * 24 * 60) * MINUTE) / MINUTE) * MINUTE
        toggl.addEntry(togglUser, {
          projectId: rand.pick(projects).id,
          start,
          stop: Math.min(now, start + rand.int(1, 240) * MINUTE),
        })
      } else if (op === 'edit') {
        toggl.editEntry(togglUser, e.id, {
          stop: Math.min(now, e.start + rand.int(0, 300) * MINUTE),
        })
      } else if (op === 'move') {
        const start = Math.max(now - 13 * 86_400_000, e.start - rand.int(1, 2) * 86_400_000)
        toggl.editEntry(togglUser, e.id, { start, stop: start + (e.stop - e.start) })
      } else {
        toggl.deleteEntry(togglUser, e.id)
      }
    }
  }

  /** Arms the fakes to kill `child` at the chosen point; resolves how the point was reached. */
  const arm = (rand: Rand, point: KillPoint, child: CliChild, exited: Promise<unknown>) => {
    const isWrite = (path: string) => /attributes\/(update|increment)/.test(path)
    const nth = rand.int(1, 2)
    let writes = 0
    const kill = async () => {
      child.kill('SIGKILL')
      await exited
    }
    togglNet.onRequest = existNet.onRequest = undefined
    togglNet.onResponse = existNet.onResponse = undefined
    switch (point) {
      case 'toggl read':
        togglNet.onRequest = async (info) => {
          if (info.path.includes('time_entries')) await kill()
          return undefined
        }
        return
      case 'exist write arrives':
        existNet.onRequest = async (info) => {
          if (!isWrite(info.path) || ++writes !== nth) return undefined
          await kill()
          return { kind: 'reset' }
        }
        return
      case 'exist write applied':
        existNet.onResponse = async (info) => {
          if (isWrite(info.path) && ++writes === nth) await kill()
        }
        return
      case 'ledger write': {
        const delay = rand.int(0, 15)
        existNet.onResponse = (info) => {
          if (isWrite(info.path) && ++writes === nth) setTimeout(() => child.kill('SIGKILL'), delay)
        }
        return
      }
      case 'random delay': {
        const timer = setTimeout(() => child.kill('SIGKILL'), rand.int(300, 2_500))
        void exited.then(() => clearTimeout(timer))
        return
      }
    }
  }

  it(`${KILLS} kills, each followed at once by a clean run that converges`, {
    timeout: LONG ? 1_200_000 : 60_000,
  }, async () => {
    const base = baseSeed()
    const reached: Record<string, number> = {}
    for (let i = 0; i < KILLS; i++) {
      const seed = base + i
      const rand = seeded(seed)
      const point = rand.pick(KILL_POINTS)
      try {
        edit(rand)
        const run = startCli(['sync', '--user', String(userId), '--json'], env)
        arm(rand, point, run.child, run.done)
        const killed = await run.done
        togglNet.onRequest = existNet.onRequest = undefined
        togglNet.onResponse = existNet.onResponse = undefined
        await Promise.all([togglNet.settled(), existNet.settled()])
        const outcome = killed.signal === 'SIGKILL' ? point : 'finished before the kill'
        reached[outcome] = (reached[outcome] ?? 0) + 1

        const clean = await startCli(['sync', '--user', String(userId), '--json'], env).done
        expect(clean.stderr).toBe('')
        expect(JSON.parse(clean.stdout).users[0]).toMatchObject({
          user: userId,
          status: 'ok',
          error: null,
        })
        expectConverged()
      } catch (error) {
        const e = error as Error
        e.message = `Crash suite failed at kill ${i + 1}, seed ${seed} (kill point: ${point}); replay the sequence with TIMEBRIDGE_SEED=${base}: ${e.message}`
        throw e
      }
    }
    console.log(`crash seeds ${base}..${base + KILLS - 1}: ${JSON.stringify(reached)}`)
    expect(Object.values(reached).reduce((a, b) => a + b, 0)).toBe(KILLS)
  })
})
