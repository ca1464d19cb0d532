/**
 * Backup: `backup FILE` copies the database while the real server process runs and syncs every
 * second and another connection commits paired rows: every copy passes SQLite's integrity check,
 * holds only whole transactions, is private (0600), and works as a database for the CLI.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeExist, FakeToggl } from '../fakes/index.ts'
import { connectMappedIn, serveCliEnv, startCli } from '../helpers/cli-process.ts'
import { freePort } from '../helpers/web-stack.ts'

const ZONE = 'Europe/Berlin'

describe('backup while the server runs and writes', { timeout: 90_000 }, () => {
  const toggl = new FakeToggl({ quotaPerHour: 1_000_000 })
  const exist = new FakeExist({ ratePerHour: 1_000_000 })
  let world: Awaited<ReturnType<typeof serveCliEnv>>
  let dir: string
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    world = await serveCliEnv('timebridge-backup-', [toggl.fetch, exist.fetch])
    ;({ env, dir } = world)
    for (const name of ['ann', 'ben', 'cat']) {
      const t = toggl.addUser({ token: `backup-toggl-${name}-0001`, timezone: ZONE })
      const e = exist.addUser({
        token: `backup-exist-${name}-0001`,
        username: name,
        timezone: ZONE,
      })
      const work = toggl.addProject(t, { name: 'Work' })
      await connectMappedIn(env, e.token, t.token, [[`toggl:${work.id}`, 'productive_min']])
      // A running timer: every run has a new total to send, so every run writes.
      toggl.addEntry(t, { projectId: work.id, start: Date.now() - 3_600_000, stop: null })
    }
  })
  afterAll(() => world.close())

  it('writes consistent, private, usable copies', async () => {
    const server = startCli(['serve'], {
      ...env,
      PORT: String(await freePort()),
      SYNC_SCHEDULE: '* * * * * *',
    })
    await new Promise<void>((ok, fail) => {
      server.child.stdout.on('data', (d) => String(d).includes('running at') && ok())
      void server.done.then((r) => fail(new Error(`serve exited: ${r.stderr}`)))
    })

    // Another writer commits two rows per transaction the whole time: a copy holds both or neither.
    const writer = new Database(env.DATABASE_PATH!)
    writer.pragma('busy_timeout = 5000')
    writer.exec('CREATE TABLE IF NOT EXISTS backup_pairs (n INTEGER, side TEXT)')
    const insert = writer.prepare('INSERT INTO backup_pairs (n, side) VALUES (?, ?)')
    const pair = writer.transaction((n: number) => {
      insert.run(n, 'a')
      insert.run(n, 'b')
    })
    let n = 0
    let writing = true
    const writes = (async () => {
      while (writing) {
        for (let i = 0; i < 50; i++) pair(++n)
        await new Promise((r) => setTimeout(r, 5))
      }
    })()

    try {
      const copies = await Promise.all(
        [1, 2].map(async (i) => {
          await new Promise((r) => setTimeout(r, i * 500))
          const file = join(dir, 'backups', `copy-${i}.db`)
          const r = await startCli(['backup', file, '--json'], env).done
          expect(r.stderr).toBe('')
          expect(r.code).toBe(0)
          expect(JSON.parse(r.stdout)).toMatchObject({
            file,
            pages: expect.any(Number),
            bytes: statSync(file).size,
          })
          return file
        }),
      )
      const runsSeen: number[] = []
      for (const file of copies) {
        expect(statSync(file).mode & 0o777).toBe(0o600)
        const copy = new Database(file, { readonly: true })
        try {
          expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
          const pairs = copy
            .prepare("SELECT n, group_concat(side, '') AS sides FROM backup_pairs GROUP BY n")
            .all() as {
            sides: string
          }[]
          expect(pairs.length).toBeGreaterThan(0)
          expect(pairs.filter((p) => p.sides.length !== 2)).toEqual([])
          runsSeen.push((copy.prepare('SELECT count(*) AS c FROM runs').get() as { c: number }).c)
        } finally {
          copy.close()
        }
      }
      {
        // Restoring is pointing DATABASE_PATH at a copy: the CLI reads it as the live database.
        const file = copies.at(-1)!
        const status = await startCli(['status', '--json'], { ...env, DATABASE_PATH: file }).done
        expect(
          JSON.parse(status.stdout).users.map((u: { exist_username: string }) => u.exist_username),
        ).toEqual(['ann', 'ben', 'cat'])
      }
      // The server was syncing while the copies were taken.
      expect(Math.max(...runsSeen)).toBeGreaterThan(0)
    } finally {
      writing = false
      await writes
      writer.close()
      server.child.kill('SIGTERM')
      expect((await server.done).code).toBe(0)
    }

    const bad = await startCli(['backup'], env).done
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(/^timebridge backup: FILE is required, once \(got 0\)/)
  })
})
