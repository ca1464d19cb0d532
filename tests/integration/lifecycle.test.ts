/** Connect validation, Zero Out, a revoked Exist token and Disconnect, against the loopback fakes (revoked source tokens: source-pause.test.ts). */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { disconnectSource, disconnectUser } from '../../src/accounts/disconnect.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { statusOf } from '../../src/accounts/user-status.ts'
import { InputError } from '../../src/core/input-error.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { zeroOut } from '../../src/sync/zero-out.ts'
import { createHarness, type Harness, HOUR } from '../helpers/harness.ts'
import {
  addPerson,
  expectExistMatchesToggl,
  mappedPersonWith,
  type Person,
} from '../helpers/scenario.ts'

const TABLES = [
  'users',
  'source_connections',
  'projects',
  'mappings',
  'attributes',
  'user_data',
  'runs',
]

describe('connect, zero out, disconnect', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPersonWith(h, [
      ['work', '2026-11-19T08:00:00Z', '2026-11-19T09:00:00Z'],
      ['tv', '2026-11-18T19:00:00Z', '2026-11-18T20:30:00Z'],
    ])
  })
  afterEach(() => h.close())

  const rowsOf = (table: string, user: number) =>
    h.deps.db.all<{ n: number }>(
      sql.raw(
        `select count(*) as n from ${table} where ${table === 'users' ? 'id' : 'user_id'} = ${user}`,
      ),
    )

  it('validates every token before storing anything', async () => {
    const q = addPerson(h, 'bob')
    await expect(
      connectUser(
        h.deps,
        { kind: 'personal', token: 'wrong-exist-token' },
        { togglToken: q.togglToken },
      ),
    ).rejects.toThrow(/Exist refused this token/)
    await expect(
      connectUser(
        h.deps,
        { kind: 'personal', token: q.existToken },
        { togglToken: 'wrong-toggl-token' },
      ),
    ).rejects.toThrow(InputError)
    const users = await statusOf(h.deps)
    expect(users.users.map((u) => u.exist_username)).toEqual(['alice'])
  })

  it('connecting again with the same Exist account keeps the user id and its sources', async () => {
    const again = await connectUser(h.deps, { kind: 'personal', token: p.existToken })
    expect(again).toMatchObject({ user: p.user, created: false })
    const status = (await statusOf(h.deps, p.user)).users[0]!
    expect(status.sources.find((s) => s.source === 'toggl')!.connected).toBe(true)
    expect(status.mappings).toHaveLength(3)
  })

  it('Zero Out repairs a manual edit in Exist and re-sends every day', async () => {
    await syncUser(h.deps, p.user, 'cli')
    h.exist.setValue(p.existUser, 'productive_min', '2026-11-19', 500)
    h.exist.setValue(p.existUser, 'tv_min', '2026-11-10', 42)
    h.advance(HOUR)
    h.exist.resetLog()
    const report = await zeroOut(h.deps, p.user, 'cli')
    expect(report.status).toBe('ok')
    expect(report.zeroed).toBe(28)
    const zeros = h.exist.writes().filter((r) => r.path.endsWith('/update/'))
    expect(zeros.flatMap((r) => r.body as { value: number }[]).every((i) => i.value === 0)).toBe(
      true,
    )
    expectExistMatchesToggl(h, p)
    expect(h.exist.value(p.existUser, 'tv_min', '2026-11-10')).toBe(0)
  })

  it('a revoked Exist token stops syncing until the user connects again', async () => {
    await syncUser(h.deps, p.user, 'cli')
    h.exist.revoke(p.existUser)
    h.toggl.addEntry(p.togglUser, {
      projectId: p.work.id,
      start: '2026-11-20T08:00:00Z',
      stop: '2026-11-20T09:00:00Z',
    })
    const report = await syncUser(h.deps, p.user, 'cli')
    expect(report.status).toBe('stopped')
    expect((await statusOf(h.deps, p.user)).users[0]).toMatchObject({
      syncing: false,
      stopped_reason: expect.stringMatching(/Exist refused/),
    })
    expect((await syncUser(h.deps, p.user, 'cli')).status).toBe('skipped')
  })

  it('disconnecting one source keeps the other data of the user', async () => {
    await syncUser(h.deps, p.user, 'cli')
    const result = await disconnectSource(h.deps, p.user, 'toggl')
    expect(result.released.sort()).toEqual(['productive_min', 'tv_min'])
    const status = (await statusOf(h.deps, p.user)).users[0]!
    expect(status.sources.find((s) => s.source === 'toggl')).toMatchObject({
      connected: false,
      reason: null,
    })
    expect((await rowsOf('users', p.user))[0]!.n).toBe(1)
  })

  it('disconnect leaves nothing of the user, releases attributes, and tokens never reach the database file in plaintext', async () => {
    await syncUser(h.deps, p.user, 'cli')
    const other = addPerson(h, 'carol')
    const carolProject = h.toggl.addProject(other.togglUser, { name: 'Carol work' })
    const carol = await connectUser(
      h.deps,
      { kind: 'personal', token: other.existToken },
      { togglToken: other.togglToken },
    )
    await mapProject(h.deps, carol.user, `toggl:${carolProject.id}`, 'productive_min')

    const files = () =>
      readdirSync(h.dir)
        .map((f) => readFileSync(join(h.dir, f)).toString('latin1'))
        .join('')
    for (const token of [p.existToken, p.togglToken, other.existToken, other.togglToken])
      expect(files()).not.toContain(token)

    await disconnectUser(h.deps, p.user)
    for (const t of TABLES) expect((await rowsOf(t, p.user))[0]!.n).toBe(0)
    expect(p.existUser.attributes.get('productive_min')!.service).toBeNull()
    expect((await rowsOf('mappings', carol.user))[0]!.n).toBe(1)
    await expect(syncUser(h.deps, p.user, 'cli')).rejects.toThrow(/No user/)
  })
})
