/** The mapping page's rules: add after a Preview (one Toggl request, none per keystroke), edit, move, delete; validation, CSRF and per-user scoping. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listRules } from '../../src/accounts/mapping-rules.ts'
import { users } from '../../src/store/schema.ts'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { addPerson } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('rule routes', () => {
  let h: Harness
  let app: ReturnType<typeof createApp>
  let alice: ReturnType<typeof addPerson>
  let bob: ReturnType<typeof addPerson>

  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    app = createApp(h.deps)
    alice = addPerson(h, 'alice', 'UTC')
    bob = addPerson(h, 'bob', 'UTC')
    for (const [start, stop, tags] of [
      ['2026-11-19T08:00:00Z', '2026-11-19T10:00:00Z', ['reading']],
      ['2026-11-18T19:00:00Z', '2026-11-18T19:20:00Z', ['Reading', 'x']],
      ['2026-11-18T20:00:00Z', '2026-11-18T21:00:00Z', []],
    ] as const)
      h.toggl.addEntry(alice.togglUser, { projectId: null, start, stop, tags: [...tags] })
  })
  afterEach(() => h.close())

  const signIn = async (p: ReturnType<typeof addPerson>) => {
    const client = new WebClient(app)
    await client.get('/signin')
    await client.post('/signin/token', { existToken: p.existToken })
    await client.get('/connect')
    await client.post('/connect/toggl', { togglToken: p.togglToken })
    await client.get('/mapping')
    return client
  }
  const idOf = async (name: string) =>
    (await h.deps.db.select().from(users)).find((u) => u.existUsername === name)!.id

  it('previews with one source request, then adds; the page lists the rule and the sync uses it', async () => {
    const client = await signIn(alice)
    h.toggl.resetLog()
    const preview = await client.post('/mapping/rules', {
      kind: 'tag',
      value: 'READING',
      attribute: '',
      position: '1',
      action: 'preview',
    })
    expect(preview.location).toMatch(/^\/mapping/)
    expect(h.toggl.requests.map((r) => r.path)).toEqual(['/api/v9/me/time_entries'])
    const shown = await client.follow(preview)
    expect(text(shown.html)).toContain(
      'Preview of tag:READING: matches 2 entries, 2 h 20 min in the last 14 days.',
    )
    // The form comes back filled in, so Add needs no retyping.
    expect(shown.html).toMatch(/id="rule-value" name="value" value="READING"/)
    expect(await listRules(h.deps, await idOf('alice'))).toEqual([])

    const added = await client.post('/mapping/rules', {
      kind: 'tag',
      value: 'READING',
      attribute: 'gaming_min',
      action: 'add',
    })
    expect(text((await client.follow(added)).html)).toContain('Rule added.')
    expect(await listRules(h.deps, await idOf('alice'))).toEqual([
      { position: 1, match: 'tag:READING', attribute: 'gaming_min', from: 'rule' },
    ])
    await client.post('/sync', {})
    expect(h.exist.value(alice.existUser, 'gaming_min', '2026-11-19')).toBe(120)
    expect(h.exist.value(alice.existUser, 'gaming_min', '2026-11-18')).toBe(20)
  })

  it('adds a rule to a new Exist attribute named on the form', async () => {
    const client = await signIn(alice)
    const both = await client.post('/mapping/rules', {
      kind: 'tag',
      value: 'reading',
      attribute: 'tv_min',
      newAttribute: 'Deep work',
    })
    expect(text((await client.follow(both)).html)).toContain('not both')
    expect(alice.existUser.attributes.has('deep_work')).toBe(false)
    await client.get('/mapping')
    const added = await client.post('/mapping/rules', {
      kind: 'tag',
      value: 'reading',
      attribute: '',
      newAttribute: 'Deep work',
    })
    expect(text((await client.follow(added)).html)).toContain('Rule added.')
    expect(alice.existUser.attributes.get('deep_work')).toMatchObject({
      value_type: 3,
      manual: false,
    })
    expect(await listRules(h.deps, await idOf('alice'))).toEqual([
      { position: 1, match: 'tag:reading', attribute: 'deep_work', from: 'rule' },
    ])
  })

  it('edits, moves and deletes by position', async () => {
    const client = await signIn(alice)
    const add = (value: string, attribute: string) =>
      client.post('/mapping/rules', { kind: 'description', value, attribute, action: 'add' })
    await add('a', 'tv_min')
    await client.get('/mapping')
    await add('b', 'gaming_min')
    await client.get('/mapping')
    await client.post('/mapping/rules/2/move', { direction: 'up' })
    const id = await idOf('alice')
    expect((await listRules(h.deps, id)).map((r) => r.match)).toEqual([
      'description:b',
      'description:a',
    ])
    await client.get('/mapping')
    await client.post('/mapping/rules/1', { kind: 'client', value: 'ACME', attribute: 'tv_min' })
    expect((await listRules(h.deps, id)).map((r) => `${r.match}>${r.attribute}`)).toEqual([
      'client:ACME>tv_min',
      'description:a>tv_min',
    ])
    await client.get('/mapping')
    const deleted = await client.post('/mapping/rules/2/delete', {})
    expect(text((await client.follow(deleted)).html)).toContain('Rule 2 deleted.')
    expect((await listRules(h.deps, id)).map((r) => r.match)).toEqual(['client:ACME'])
  })

  it('refuses bad input next to the field, changing nothing', async () => {
    const client = await signIn(alice)
    const id = await idOf('alice')
    const cases: [Record<string, string>, RegExp][] = [
      [{ kind: 'colour', value: 'x', attribute: 'tv_min' }, /Choose what the rule matches/],
      [{ kind: 'tag', value: '   ', attribute: 'tv_min' }, /Type what to match/],
      [{ kind: 'tag', value: 'x', attribute: 'Bad Name' }, /Choose an attribute from the list/],
      [{ kind: 'tag', value: 'x', attribute: '' }, /Choose an attribute/],
      [{ kind: 'project', value: 'toggl:99999', attribute: 'tv_min' }, /Unknown project/],
      [{ kind: 'tag', value: 'x', attribute: 'tv_min', position: '7' }, /from 1 to 1/],
      [{ kind: 'tag', value: 'x'.repeat(201), attribute: 'tv_min' }, /At most 200/],
    ]
    for (const [fields, message] of cases) {
      await client.get('/mapping')
      const r = await client.post('/mapping/rules', { ...fields, action: 'add' })
      expect(r.location).toMatch(/^\/mapping/)
      const page = text((await client.follow(r)).html)
      expect(page).toContain('The rule was not saved')
      expect(page).toMatch(message)
    }
    await client.get('/mapping')
    const move = await client.post('/mapping/rules/1/move', { direction: 'sideways' })
    expect(text((await client.follow(move)).html)).toContain('No such move.')
    expect(await listRules(h.deps, id)).toEqual([])
  })

  it('needs the CSRF token, and one user never sees or changes another user’s rules', async () => {
    const a = await signIn(alice)
    await a.post('/mapping/rules', { kind: 'tag', value: 'alices', attribute: 'tv_min' })
    const b = await signIn(bob)
    expect(b.csrf).not.toBe('')
    const page = await b.get('/mapping')
    expect(page.html).not.toContain('alices')
    // Bob's position 1 is his own (he has none): alice's rule stays as it was.
    await b.post('/mapping/rules/1/delete', {})
    await b.get('/mapping')
    await b.post('/mapping/rules/1', { kind: 'tag', value: 'mine', attribute: 'tv_min' })
    expect((await listRules(h.deps, await idOf('alice'))).map((r) => r.match)).toEqual([
      'tag:alices',
    ])
    const forged = await a.post(
      '/mapping/rules',
      { kind: 'tag', value: 'forged', attribute: 'tv_min' },
      { csrf: false },
    )
    expect(forged.status).toBe(403)
    expect((await listRules(h.deps, await idOf('alice'))).map((r) => r.match)).toEqual([
      'tag:alices',
    ])
  })
})
