import { describe, expect, it } from 'vitest'
import { bucketMinutes } from '../../src/core/bucket-minutes.ts'
import { localWindow } from '../../src/core/local-window.ts'
import {
  compileRules,
  evaluationOrder,
  matchEntry,
  parseMatch,
  type Rule,
} from '../../src/core/rules.ts'

const entry = {
  project: 'toggl:1',
  tags: ['Reading', 'deep'],
  description: 'Chapter 3 of Dune',
  client: 'Netflix Night',
  workspaceId: '42',
  workspaceName: 'Home',
}

describe('matchEntry', () => {
  it('matches each kind, case-insensitively except project ids', () => {
    const one = (kind: Rule['kind'], value: string) =>
      matchEntry([{ kind, value, attribute: 'a' }], entry)
    expect(one('project', 'toggl:1')).toBe('a')
    expect(one('project', 'toggl:2')).toBeUndefined()
    expect(one('tag', 'reading')).toBe('a')
    expect(one('tag', 'read')).toBeUndefined()
    expect(one('client', 'netflix night')).toBe('a')
    expect(one('client', 'netflix')).toBeUndefined()
    expect(one('workspace', 'HOME')).toBe('a')
    expect(one('workspace', '42')).toBe('a')
    expect(one('workspace', '4')).toBeUndefined()
    expect(one('description', 'dune')).toBe('a')
    expect(one('description', 'dunes')).toBeUndefined()
  })

  it('takes the first matching rule, so an entry counts once', () => {
    const rules: Rule[] = [
      { kind: 'tag', value: 'nope', attribute: 'x' },
      { kind: 'description', value: 'chapter', attribute: 'reading_min' },
      { kind: 'tag', value: 'deep', attribute: 'productive_min' },
    ]
    expect(matchEntry(rules, entry)).toBe('reading_min')
    expect(matchEntry(rules.slice(2), entry)).toBe('productive_min')
    expect(matchEntry(rules.slice(0, 1), entry)).toBeUndefined()
    expect(matchEntry(rules, { project: null })).toBeUndefined()
  })

  it('puts project mappings after the rules, and a project-only list is a lookup', () => {
    const order = evaluationOrder(
      [{ kind: 'tag', value: 'deep', attribute: 'p' }],
      [{ project: 'toggl:1', attribute: 'q' }],
    )
    expect(matchEntry(order, entry)).toBe('p')
    expect(matchEntry(order, { ...entry, tags: [] })).toBe('q')
    const lookup = compileRules([
      { kind: 'project', value: 'toggl:1', attribute: 'first' },
      { kind: 'project', value: 'toggl:1', attribute: 'second' },
    ])
    expect(lookup(entry)).toBe('first')
    expect(lookup({ project: null })).toBeUndefined()
  })

  it('parses KIND:VALUE and refuses anything else in one line', () => {
    expect(parseMatch('tag:reading')).toEqual({ kind: 'tag', value: 'reading' })
    expect(parseMatch('Description: a:b ')).toEqual({ kind: 'description', value: 'a:b' })
    expect(parseMatch('project:clockify:abc1')).toEqual({ kind: 'project', value: 'clockify:abc1' })
    expect(() => parseMatch('label:x')).toThrow(/KIND:VALUE/)
    expect(() => parseMatch('tag:  ')).toThrow(/needs something/)
    expect(() => parseMatch('project:123')).toThrow(/toggl:<id>/)
    expect(() => parseMatch(`tag:${'x'.repeat(201)}`)).toThrow(/at most 200/)
  })

  it('buckets through rules: unmatched entries are left out, every rule attribute gets its days', () => {
    const now = Date.parse('2026-11-20T12:00:00Z')
    const window = localWindow(now, 'Europe/Berlin', 14)
    const targets = bucketMinutes(
      [
        { ...entry, startMs: now - 3_600_000, stopMs: now - 1_800_000 },
        { project: null, tags: ['other'], startMs: now - 1_800_000, stopMs: now },
      ],
      [
        { kind: 'tag', value: 'reading', attribute: 'reading_min' },
        { kind: 'client', value: 'nobody', attribute: 'tv_min' },
      ],
      window,
      now,
    )
    expect(targets.get('reading_min')?.get('2026-11-20')).toBe(30)
    expect(targets.get('tv_min')?.get('2026-11-20')).toBe(0)
    expect([...targets.keys()].sort()).toEqual(['reading_min', 'tv_min'])
  })
})
