/** Exist OAuth tokens: refreshed before expiry, one refresh after a 401, then syncing stops. */
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { existFor } from '../../src/accounts/exist-session.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { PURPOSE } from '../../src/accounts/source-readers.ts'
import { exchangeCode, redirectUri } from '../../src/clients/exist/exist-oauth.ts'
import { users } from '../../src/store/schema.ts'
import { getUser } from '../../src/store/user-store.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import {
  authorizationCode,
  OAUTH_ENV,
  registerTestClient,
  TEST_CLIENT,
} from '../helpers/exist-oauth.ts'
import { createHarness, DAY, type Harness, HOUR } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'

describe('Exist OAuth tokens', () => {
  let h: Harness
  let person: ReturnType<typeof addPerson>
  let userId: number

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z', env: OAUTH_ENV })
    registerTestClient(h)
    person = addPerson(h, 'olga', 'Europe/Berlin')
    const work = h.toggl.addProject(person.togglUser, { name: 'Work' })
    h.toggl.addEntry(person.togglUser, {
      projectId: work.id,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:00:00Z',
    })
    const code = await authorizationCode(h.urls.exist, 'olga', redirectUri(h.deps.config))
    const pair = await exchangeCode(h.deps, TEST_CLIENT, code)
    ;({ user: userId } = await connectUser(
      h.deps,
      { kind: 'oauth', ...pair },
      { togglToken: person.togglToken },
    ))
    await mapProject(h.deps, userId, `toggl:${work.id}`, 'productive_min')
  })
  afterEach(() => h.close())

  const storedTokens = async () => {
    const user = await getUser(h.deps.db, userId)
    return {
      access: await h.deps.box.open(user.existToken, PURPOSE.existToken),
      refresh: await h.deps.box.open(user.existRefreshToken!, PURPOSE.existRefresh),
      expiresAt: user.existTokenExpiresAt!.getTime(),
    }
  }

  it('exchanges the code for a sealed pair bound to a year', async () => {
    const [grant] = h.exist.grantsOf(person.existUser)
    const stored = await storedTokens()
    expect(stored.access).toBe(grant!.accessToken)
    expect(stored.refresh).toBe(grant!.refreshToken)
    expect(stored.expiresAt).toBe(h.clock.now + 31_535_999_000)
    const [row] = await h.deps.db.select().from(users).where(eq(users.id, userId))
    expect(row!.existToken).not.toContain(grant!.accessToken)
    expect(grant!.scopes).toEqual([
      'media_read',
      'media_write',
      'productivity_read',
      'productivity_write',
    ])
  })

  it('refreshes a week before expiry and stores the new pair; the old pair is dead', async () => {
    const before = await storedTokens()
    h.advance(300 * DAY)
    await existFor(h.deps, await getUser(h.deps.db, userId))
    expect(await storedTokens()).toEqual(before)

    h.advance(59 * DAY)
    const report = await syncUser(h.deps, userId, 'cli')
    expect(report.status).toBe('ok')
    const after = await storedTokens()
    expect(after.access).not.toBe(before.access)
    expect(after.refresh).not.toBe(before.refresh)
    expect(after.expiresAt).toBe(h.clock.now + 31_535_999_000)
    expect(h.exist.grantsOf(person.existUser).map((g) => g.accessToken)).toEqual([after.access])
    const refreshes = h.exist.requests.filter((r) => r.path === '/oauth2/access_token')
    expect(refreshes).toHaveLength(2)
  })

  it('after a 401, refreshes once and runs again', async () => {
    h.exist.revokeAccessTokens(person.existUser)
    const report = await syncUser(h.deps, userId, 'cli')
    expect(report.status).toBe('ok')
    expect(report.summary.notes.join(' ')).toMatch(/refreshed/)
    expect(h.exist.value(person.existUser, 'productive_min', '2026-11-19')).toBe(60)
    expect((await getUser(h.deps.db, userId)).syncing).toBe(true)
  })

  it('stops syncing when the refresh is refused too, after exactly one attempt', async () => {
    h.exist.revokeGrants(person.existUser)
    h.exist.resetLog()
    const report = await syncUser(h.deps, userId, 'cli')
    expect(report.status).toBe('stopped')
    const user = await getUser(h.deps.db, userId)
    expect(user.syncing).toBe(false)
    expect(user.stoppedReason).toMatch(/sign in again/)
    expect(h.exist.requests.filter((r) => r.path === '/oauth2/access_token')).toHaveLength(1)
    h.advance(HOUR)
    expect((await syncUser(h.deps, userId, 'cli')).status).toBe('skipped')
  })
})
