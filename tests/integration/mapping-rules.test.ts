/** Rules by tag, client, workspace and description through real runs on the fakes: first match wins, rule edits correct the window, Clockify tag names come from its cached tag list. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import {
  addRule,
  editRule,
  listRules,
  moveRule,
  removeRule,
} from '../../src/accounts/mapping-rules.ts'
import { createDurationAttribute } from '../../src/accounts/new-attribute.ts'
import { runHistoryImport, startHistoryImport } from '../../src/sync/history-import.ts'
import { syncUser } from '../../src/sync/sync-user.ts'
import { createHarness, type Harness, HOUR } from '../helpers/harness.ts'
import { addPerson, clockifyPerson } from '../helpers/scenario.ts'

describe('mapping rules', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
  })
  afterEach(() => h.close())

  it('routes entries by tag, client, workspace and description, first match wins, and corrects moved days', async () => {
    const p = addPerson(h, 'alice', 'UTC')
    const t = p.togglUser
    const home = h.toggl.addWorkspace(t, 'Home')
    const acme = h.toggl.addClient(t, t.defaultWorkspaceId, 'ACME')
    const client = h.toggl.addProject(t, { name: 'Client work', clientId: acme })
    const misc = h.toggl.addProject(t, { name: 'Misc' })
    // Workspace names come from the cached projects (Toggl entries carry only the workspace id).
    h.toggl.addProject(t, { name: 'Garden', wid: home })
    const day = '2026-11-19'
    const add = (from: string, to: string, e: object) =>
      h.toggl.addEntry(t, {
        projectId: null,
        start: `${day}T${from}:00Z`,
        stop: `${day}T${to}:00Z`,
        ...e,
      })
    add('08:00', '08:30', { tags: ['Reading'], description: 'Dune' }) // 30: tag
    add('09:00', '10:00', { projectId: client.id }) // 60: client ACME
    add('10:00', '10:20', { projectId: client.id, tags: ['reading'] }) // 20: tag beats client
    add('11:00', '11:45', { workspaceId: home, description: 'garden' }) // 45: workspace
    add('12:00', '12:10', { description: 'Watching THE news' }) // 10: description
    add('13:00', '13:05', { projectId: misc.id }) // 5: project mapping
    add('14:00', '14:07', {}) // 7: matches nothing

    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      {
        togglToken: p.togglToken,
      },
    )
    await mapProject(h.deps, user, `toggl:${misc.id}`, 'neutral_min')
    await addRule(h.deps, user, { kind: 'client', value: 'acme', attribute: 'productive_min' })
    await addRule(h.deps, user, { kind: 'tag', value: 'READING', attribute: 'gaming_min' }, 1)
    await addRule(h.deps, user, { kind: 'workspace', value: 'home', attribute: 'neutral_min' })
    await addRule(h.deps, user, { kind: 'description', value: 'the news', attribute: 'tv_min' })
    expect((await listRules(h.deps, user)).map((r) => [r.position, r.match, r.from])).toEqual([
      [1, 'tag:READING', 'rule'],
      [2, 'client:acme', 'rule'],
      [3, 'workspace:home', 'rule'],
      [4, 'description:the news', 'rule'],
      [5, `project:toggl:${misc.id}`, 'mapping'],
    ])

    const first = await syncUser(h.deps, user, 'cli')
    expect(first.status).toBe('ok')
    const v = (a: string) => h.exist.value(p.existUser, a, day)
    expect([v('gaming_min'), v('productive_min'), v('neutral_min'), v('tv_min')]).toEqual([
      50, 60, 50, 10,
    ])

    // Client before tag: the 20 minutes move from reading to productive on the next run.
    await moveRule(h.deps, user, 2, 1)
    h.advance(HOUR)
    await syncUser(h.deps, user, 'cli')
    expect([v('gaming_min'), v('productive_min')]).toEqual([30, 80])

    // The tag rule now feeds tv_min: gaming_min is no longer fed (released, Exist keeps it), tv gains 30.
    const tagAt = (await listRules(h.deps, user)).find((r) => r.match === 'tag:READING')!.position
    const edited = await editRule(h.deps, user, tagAt, {
      kind: 'tag',
      value: 'reading',
      attribute: 'tv_min',
    })
    expect(edited.released).toEqual(['gaming_min'])
    h.advance(HOUR)
    await syncUser(h.deps, user, 'cli')
    expect([v('tv_min'), v('productive_min'), v('neutral_min')]).toEqual([40, 80, 50])

    // Removing the workspace rule leaves the garden entry unsynced: neutral drops to the project's 5.
    await removeRule(h.deps, user, 3)
    h.advance(HOUR)
    h.toggl.resetLog()
    await syncUser(h.deps, user, 'cli')
    expect(v('neutral_min')).toBe(5)
    expect(h.toggl.requests).toHaveLength(1)

    // Steady state with rules: one Toggl request, nothing sent to Exist.
    h.advance(HOUR)
    h.toggl.resetLog()
    h.exist.resetLog()
    const steady = await syncUser(h.deps, user, 'cli')
    expect(steady.summary.written).toEqual({ increment: 0, update: 0 })
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    expect(h.exist.requests).toEqual([])
  })

  it('refuses bad rules whole: unknown project, bad attribute name, position out of range', async () => {
    const p = addPerson(h, 'bob', 'UTC')
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      {
        togglToken: p.togglToken,
      },
    )
    const add = (rule: object, pos?: number) =>
      addRule(h.deps, user, { kind: 'tag', value: 'x', attribute: 'tv_min', ...rule }, pos)
    await expect(add({ kind: 'project', value: 'toggl:999' })).rejects.toThrow(/Unknown project/)
    await expect(add({ attribute: 'Not An Attr' })).rejects.toThrow(/not an Exist attribute/)
    await expect(add({}, 3)).rejects.toThrow(/from 1 to 1/)
    await expect(removeRule(h.deps, user, 1)).rejects.toThrow(/no rules/)
    expect(await listRules(h.deps, user)).toEqual([])
  })

  it('reads Clockify tag names once (cached with the projects) and matches entries without a project', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'carol')
    h.clockify.addEntry(cu, {
      projectId: null,
      start: '2026-11-19T08:00:00Z',
      end: '2026-11-19T08:40:00Z',
      tags: ['Reading'],
    })
    h.clockify.addEntry(cu, {
      projectId: work.id,
      start: '2026-11-19T09:00:00Z',
      end: '2026-11-19T09:15:00Z',
    })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      {
        clockifyKey: cu.key,
      },
    )
    await addRule(h.deps, user, { kind: 'tag', value: 'reading', attribute: 'gaming_min' })
    await addRule(h.deps, user, { kind: 'client', value: 'ACME', attribute: 'productive_min' })
    h.clockify.resetLog()
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(eu, 'gaming_min', '2026-11-19')).toBe(40)
    expect(h.exist.value(eu, 'productive_min', '2026-11-19')).toBe(15)
    h.advance(HOUR)
    const before = h.clockify.requests.length
    await syncUser(h.deps, user, 'cli')
    const paths = h.clockify.requests.slice(before).map((r) => r.path)
    expect(paths.every((path) => path.endsWith('/time-entries'))).toBe(true)
    expect(paths).toHaveLength(1)
  })

  it('history import buckets with the same rules as the sync (Clockify tags, entries without a project)', async () => {
    const { cu, eu, work } = clockifyPerson(h, 'dora')
    const days = ['2026-10-01', '2026-10-02', '2026-11-19']
    for (const day of days) {
      h.clockify.addEntry(cu, {
        projectId: null,
        start: `${day}T08:00:00Z`,
        end: `${day}T08:50:00Z`,
        tags: ['Reading'],
      })
      // Tagged and in a project mapped elsewhere: the rule comes first, so it counts for the rule.
      h.clockify.addEntry(cu, {
        projectId: work.id,
        start: `${day}T10:00:00Z`,
        end: `${day}T10:30:00Z`,
        tags: ['reading'],
      })
      h.clockify.addEntry(cu, {
        projectId: work.id,
        start: `${day}T11:00:00Z`,
        end: `${day}T11:20:00Z`,
      })
    }
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: eu.token },
      {
        clockifyKey: cu.key,
      },
    )
    await mapProject(h.deps, user, `clockify:${work.id}`, 'productive_min')
    await addRule(h.deps, user, { kind: 'tag', value: 'READING', attribute: 'gaming_min' })
    await syncUser(h.deps, user, 'schedule')
    await startHistoryImport(h.deps, user, '2026-09-30')
    for (let i = 0; i < 50; i++) {
      const { status } = await runHistoryImport(h.deps, user)
      if (status?.status !== 'running') break
      h.advance(HOUR)
    }
    for (const day of days) {
      expect([day, h.exist.value(eu, 'gaming_min', day)]).toEqual([day, 80])
      expect([day, h.exist.value(eu, 'productive_min', day)]).toEqual([day, 20])
    }
  })

  it('creates a new Exist duration attribute for a rule, owns it and syncs it like a template', async () => {
    const p = addPerson(h, 'erin', 'UTC')
    h.toggl.addEntry(p.togglUser, {
      projectId: null,
      start: '2026-11-19T08:00:00Z',
      stop: '2026-11-19T09:30:00Z',
      tags: ['deep'],
    })
    const { user } = await connectUser(
      h.deps,
      { kind: 'personal', token: p.existToken },
      {
        togglToken: p.togglToken,
      },
    )
    h.exist.resetLog()
    const made = await createDurationAttribute(h.deps, user, '  Deep   work ')
    expect(made).toEqual({ name: 'deep_work', label: 'Deep work' })
    const create = h.exist.requests.find((r) => r.path === '/api/2/attributes/create/')!
    expect(create.body).toEqual([
      { label: 'Deep work', group: 'productivity', value_type: 3, manual: false },
    ])
    const attr = p.existUser.attributes.get('deep_work')!
    expect([attr.value_type, attr.manual, attr.group.name]).toEqual([3, false, 'productivity'])
    await addRule(h.deps, user, { kind: 'tag', value: 'deep', attribute: made.name })
    await syncUser(h.deps, user, 'cli')
    expect(h.exist.value(p.existUser, 'deep_work', '2026-11-19')).toBe(90)
    // The same label again: Exist says it exists, and nothing is taken over.
    await expect(createDurationAttribute(h.deps, user, 'Deep work')).rejects.toThrow(
      /already has an attribute called "Deep work"/,
    )
    await expect(createDurationAttribute(h.deps, user, ' ')).rejects.toThrow(/1 to 40 characters/)
  })
})
