/** The pages for a paused source: the status page's warning with its disconnect date, the Sources page's reconnect, and inaccessible projects on the mapping page. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness, HOUR } from '../helpers/harness.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('pages of a paused source', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('status warns with the date, Sources reconnects the same account, mapping marks the inaccessible workspace', async () => {
    const tu = h.toggl.addUser({ token: 'toggl-token-page-0001', timezone: 'Europe/Berlin' })
    const cu = h.clockify.addUser({ key: 'clockify-key-page-0001', name: 'page' })
    const eu = h.exist.addUser({
      token: 'exist-token-page-0001',
      username: 'page',
      timezone: 'Europe/Berlin',
    })
    const deep = h.toggl.addProject(tu, { name: 'Deep work' })
    const teamWs = h.clockify.addWorkspace(cu, 'Team')
    const team = h.clockify.addProject(cu, { name: 'Team meetings', workspaceId: teamWs })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      { togglToken: tu.token, clockifyKey: cu.key },
    )
    await mapProject(h.deps, user, `toggl:${deep.id}`, 'productive_min')
    await mapProject(h.deps, user, `clockify:${team.id}`, 'neutral_min')
    await syncUser(h.deps, user, 'cli')

    h.toggl.revoke(tu)
    cu.workspaces = cu.workspaces.filter((w) => w.id !== teamWs)
    h.advance(HOUR)
    await syncUser(h.deps, user, 'cli')

    const client = new WebClient(createApp(h.deps))
    await client.get('/signin')
    await client.post('/signin/token', { existToken: eu.token })
    const status = text((await client.open('/status')).html)
    expect(status).toContain('Toggl Track is paused since Fri 20 Nov 2026')
    expect(status).toContain('Productive time keeps what Exist holds')
    expect(status).toContain(
      'If Toggl Track is not connected again, Timebridge disconnects it on Sun 20 Dec 2026',
    )
    expect(status).toContain(
      'Neutral time is not being updated: Clockify workspace "Team" refused access',
    )
    expect(status).toContain('Clockify refused access to the workspace "Team", so it was skipped')

    const mapping = text((await client.open('/mapping')).html)
    expect(mapping).toMatch(/Team meetings\s*no access to this workspace/)

    // Same account, new token: back to the status page, mappings kept.
    h.toggl.resetToken(tu, 'toggl-token-page-0002')
    await client.get('/connect')
    const back = await client.follow(await client.post('/connect/toggl', { togglToken: tu.token }))
    const words = text(back.html)
    expect(words).toContain('Toggl Track is connected again')
    expect(words).toContain('your mappings are kept')
    expect(words).not.toContain('Toggl Track is paused since')
  })
})
