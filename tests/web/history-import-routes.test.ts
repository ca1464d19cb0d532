/** The history import on the web: a confirmation naming the attributes and days before anything starts (GET), then POST/redirect/GET, progress on the status page, cancel. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'
import { mappedPersonWith, type Person } from '../helpers/scenario.ts'
import { text, WebClient } from '../helpers/web-client.ts'

describe('web: history import', () => {
  let h: Harness
  let p: Person
  beforeEach(async () => {
    h = await createHarness({ now: '2026-11-20T12:00:00Z' })
    p = await mappedPersonWith(h, [['work', '2026-10-01T08:00:00Z', '2026-10-01T09:00:00Z']])
  })
  afterEach(() => h.close())

  const signIn = async () => {
    const client = new WebClient(createApp(h.deps))
    await client.get('/signin')
    expect((await client.post('/signin/token', { existToken: p.existToken })).status).toBe(303)
    await client.get('/status')
    return client
  }

  it('names the attributes and the days it replaces before anything starts, then starts on POST and shows progress', async () => {
    const client = await signIn()
    expect(text((await client.get('/status')).html)).toContain('Import history…')
    const form = await client.get('/import-history')
    expect(form.status).toBe(200)
    expect(form.html).toContain('name="since"')

    const confirm = await client.get('/import-history/confirm?since=2026-09-01')
    const words = text(confirm.html)
    expect(words).toContain('Productive time, Watching TV')
    expect(words).toContain('67 days from Tue 1 Sep 2026 to Fri 6 Nov 2026')
    expect(words).toContain('The values Exist holds for those days are replaced')
    // Nothing happened yet: the GET only describes.
    expect(h.exist.writes()).toEqual([])
    expect(confirm.html).not.toMatch(/<script>|style="/)

    const bad = await client.get('/import-history/confirm?since=2026-11-15')
    expect(bad.status).toBe(400)
    expect(text(bad.html)).toContain('must be before the sync window')

    const started = await client.post('/import-history', { confirm: 'yes', since: '2026-09-01' })
    expect(started.status).toBe(303)
    expect(started.location).toBe('/status')
    const status = text((await client.follow(started)).html)
    expect(status).toContain('History import started: 31 days of 67 done so far')
    expect(status).toContain('31 of 67 days done')
    expect(h.exist.value(p.existUser, 'productive_min', '2026-10-01')).toBe(60)

    const cancelled = await client.follow(await client.post('/import-history/cancel', {}))
    expect(text(cancelled.html)).toContain('History import cancelled after 31 days of 67')
    expect(text(cancelled.html)).toContain('History import cancelled')
  })

  it('refuses a POST without the CSRF token and one that skipped the confirmation', async () => {
    const client = await signIn()
    const forged = await client.post(
      '/import-history',
      { confirm: 'yes', since: '2026-09-01' },
      { csrf: false },
    )
    expect(forged.status).toBe(403)
    const skipped = await client.post('/import-history', { since: '2026-09-01' })
    expect(skipped.location).toBe('/import-history')
    expect(h.exist.writes()).toEqual([])
  })
})
