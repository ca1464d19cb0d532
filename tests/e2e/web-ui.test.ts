/**
 * The web UI in headless Chromium against the real Node server and the loopback fakes: sign in (OAuth and
 * personal token), connect Toggl, map, sync, chart, Zero Out, Disconnect. Screenshots go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as schema from '../../src/store/schema.ts'
import { loadSampleAccount, type SampleAccount } from '../fakes/sample-account.ts'
import { type Fakes, startFakes, startWebServer, type WebServer } from '../helpers/web-stack.ts'

const SHOTS = join(process.cwd(), 'test-results', 'screenshots')
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

describe('web UI in Chromium', { timeout: 30_000 }, () => {
  const clock = { now: Date.parse('2026-11-20T13:30:00Z') }
  const now = () => clock.now
  let fakes: Fakes
  let sample: SampleAccount
  let oauth: WebServer
  let tokenOnly: WebServer
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    fakes = await startFakes(now)
    sample = loadSampleAccount(fakes.toggl, fakes.exist, { now: clock.now })
    fakes.toggl.addUser({ token: 'pat-toggl-token-0001', fullname: 'Pat' })
    fakes.exist.addUser({
      token: 'pat-exist-personal-token-0001',
      username: 'pat',
      timezone: 'America/New_York',
    })
    ;[oauth, tokenOnly, browser] = await Promise.all([
      startWebServer(fakes, { now, oauth: true }),
      startWebServer(fakes, { now, oauth: false }),
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS }),
    ])
    page = await browser.newPage({ viewport: { width: 1024, height: 800 } })
    // Fail within the test's time, not after Playwright's 30 s default.
    page.setDefaultTimeout(5_000)
    page.on('console', (m) => {
      // 400 and 409 are the answers to refused forms and the takeover confirmation, shown as pages.
      if (m.type() === 'error' && !/status of (400|409)/.test(m.text()))
        problems.push(`${m.text()} (${m.location().url})`)
    })
    page.on('pageerror', (e) => problems.push(e.message))
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([oauth?.close(), tokenOnly?.close()])
    await fakes?.close()
  })

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  const flash = () => page.locator('.notice[role=status], .notice[role=alert]').first().innerText()
  const userId = async () =>
    (
      await oauth.deps.db.select().from(schema.users).where(eq(schema.users.existUsername, 'sam'))
    )[0]?.id

  /** Every bar of every chart equals what the fake Exist holds for that day. */
  async function expectChartMatchesExist(attributes: string[]) {
    for (const attribute of attributes) {
      const days = await page
        .locator(`figure.chart[data-attribute="${attribute}"] g.day`)
        .evaluateAll((gs) =>
          gs.map((g) => ({
            date: g.getAttribute('data-date')!,
            value: Number(g.getAttribute('data-value')),
            text: g.querySelector('text.value')!.textContent!,
          })),
        )
      expect(days, attribute).toHaveLength(14)
      for (const d of days) {
        const held = fakes.exist.value(sample.existUser, attribute, d.date)
        expect(d.value, `${attribute} ${d.date}`).toBe(held)
        expect(d.text.trim(), `${attribute} ${d.date}`).toBe(`${held} min`)
      }
      expect(
        days.some((d) => d.value > 0),
        attribute,
      ).toBe(true)
    }
  }

  it('signs in with Exist OAuth through the consent page', async () => {
    await page.goto(oauth.url)
    expect(new URL(page.url()).pathname).toBe('/signin')
    await shot('01-sign-in-oauth')
    await page.getByRole('link', { name: 'Sign in with Exist' }).click()
    await page.getByRole('button', { name: 'Allow' }).waitFor()
    expect(await page.locator('li').allInnerTexts()).toEqual([
      'media_read',
      'media_write',
      'productivity_read',
      'productivity_write',
    ])
    await shot('02-exist-consent')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${oauth.url}/connect`)
    expect(await flash()).toContain('Welcome, sam')
    const [user] = await oauth.deps.db.select().from(schema.users)
    expect(user!.existAuth).toBe('oauth')
  })

  it('connects Toggl: a bad token is refused with a clear message, a good one lists the projects', async () => {
    await page.getByLabel('Toggl Track API token').fill('0123456789abcdef0123456789abcdef')
    await page.getByRole('button', { name: 'Connect Toggl Track' }).click()
    const error = page.locator('#f-togglToken-error')
    expect(await error.innerText()).toContain('Toggl Track refused this token')
    expect(await page.locator('#f-togglToken').inputValue()).toBe('')
    expect(await page.locator('#f-togglToken-help').innerText()).toContain('Profile settings')
    await shot('03-connect-bad-token')
    expect(await oauth.deps.db.select().from(schema.sourceConnections)).toEqual([])

    await page.getByLabel('Toggl Track API token').fill(sample.togglToken)
    await page.getByRole('button', { name: 'Connect Toggl Track' }).click()
    await page.waitForURL(`${oauth.url}/mapping`)
    expect(await flash()).toContain('10 projects')
    expect(await page.locator('h2').allInnerTexts()).toEqual(['Acme Studio', 'Personal'])
    expect(await page.locator('h3').allInnerTexts()).toEqual([
      'Globex',
      'Northwind Traders',
      'No client',
      'No client',
    ])
    const cms = page.locator('li.project', { hasText: 'Old CMS migration' })
    expect(await cms.locator('.badge').innerText()).toBe('archived')
    expect(await cms.locator('svg circle').getAttribute('fill')).toBe('#c9806b')
    await shot('04-mapping')
  })

  it('maps two projects, confirming the takeover from RescueTime', async () => {
    await page.getByLabel('Website relaunch').selectOption('productive_min')
    await page.getByLabel('Series & TV').selectOption('tv_min')
    await page.getByRole('button', { name: 'Save mapping' }).click()
    await page.getByRole('button', { name: 'Take over and save' }).waitFor()
    const warning = await page.locator('.warning').innerText()
    expect(warning).toContain('Productive time is filled by RescueTime now')
    expect(warning).toContain('Sat 7 Nov 2026 to Fri 20 Nov 2026')
    await shot('05-mapping-confirm')
    expect(await oauth.deps.db.select().from(schema.mappings)).toEqual([])

    await page.getByRole('button', { name: 'Take over and save' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('Timebridge took Productive time over from RescueTime.')
    const maps = await oauth.deps.db.select().from(schema.mappings)
    expect(maps.map((m) => [m.project, m.attribute]).sort()).toEqual(
      [
        [`toggl:${sample.projects.tv.id}`, 'tv_min'],
        [`toggl:${sample.projects.website.id}`, 'productive_min'],
      ].sort(),
    )
  })

  it('syncs now with visible progress, and the chart shows what Exist holds', async () => {
    // The old page stays up while the POST runs: report what it shows then (screenshots wait for the navigation).
    let progress: { visible: boolean; disabled: boolean; text: string } | undefined
    await page.exposeFunction('reportProgress', (state: typeof progress) => {
      progress ??= state
    })
    await page.evaluate(() => {
      const box = document.querySelector<HTMLElement>('.progress')!
      const button = document.querySelector<HTMLButtonElement>('.sync-now button')!
      const report = () =>
        (window as unknown as { reportProgress(s: unknown): void }).reportProgress({
          visible: !box.hidden,
          disabled: button.disabled,
          text: box.textContent,
        })
      new MutationObserver(() => setTimeout(report, 50)).observe(box, { attributes: true })
    })
    // Hold the POST a moment: the fakes answer in milliseconds.
    await page.route('**/sync', async (route) => {
      await new Promise((r) => setTimeout(r, 400))
      await route.continue()
    })
    await page.getByRole('button', { name: 'Sync now' }).click({ noWaitAfter: true })
    await page.locator('.notice', { hasText: 'Sync now:' }).waitFor()
    await page.unroute('**/sync')
    expect(progress).toEqual({
      visible: true,
      disabled: true,
      text: expect.stringContaining('Syncing: reading your tracked time'),
    })
    expect(await flash()).toMatch(/Sync now: Done; \d+ values changed in Exist/)
    expect(await page.locator('.runs li.run').first().innerText()).toMatch(
      /Read \d+ time entries from Toggl Track/,
    )
    await expectChartMatchesExist(['productive_min', 'tv_min'])
    expect(fakes.exist.value(sample.existUser, 'productive_min', '2026-11-19')).toBeGreaterThan(0)
    await shot('06-status-after-sync')

    await page.setViewportSize({ width: 390, height: 844 })
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true)
    await shot('07-status-phone')
    await page.setViewportSize({ width: 1024, height: 800 })
  })

  it('zeroes out after a confirmation and puts the true totals back', async () => {
    const day = '2026-11-18'
    const truth = fakes.exist.value(sample.existUser, 'tv_min', day)
    fakes.exist.setValue(sample.existUser, 'tv_min', day, 999)
    await page.getByRole('link', { name: 'Zero Out…' }).click()
    const steps = await page.locator('.warning').innerText()
    expect(steps).toContain('Productive time, Watching TV')
    expect(steps).toContain('14 days from Sat 7 Nov 2026 to Fri 20 Nov 2026')
    await shot('08-zero-out-confirm')
    await page.getByRole('button', { name: 'Zero Out now' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('Zero Out done: 28 day values set to 0')
    expect(fakes.exist.value(sample.existUser, 'tv_min', day)).toBe(truth)
    await expectChartMatchesExist(['productive_min', 'tv_min'])
  })

  it('shows a day edited by hand in Exist as drift after a check, and repairs exactly that day', async () => {
    const day = '2026-11-17'
    const sent = fakes.exist.value(sample.existUser, 'productive_min', day)
    // A hand edit in the Exist app, through the fake's control API.
    const edit = await fetch(`${fakes.urls.exist}/_control/users/sam/values`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ attribute: 'productive_min', date: day, value: sent + 35 }),
    })
    expect(edit.status).toBe(200)
    fakes.exist.resetLog()
    await page.getByRole('button', { name: 'Check Exist now' }).click()
    await page.locator('.notice', { hasText: 'Check' }).first().waitFor()
    expect(await flash()).toContain('Checked Exist: 1 day differs from what Timebridge sent.')
    expect(fakes.exist.requests.map((r) => r.path)).toEqual([
      '/api/2/attributes/with-values/',
      '/api/2/attributes/owned/',
    ])
    const marked = page.locator(
      `figure.chart[data-attribute="productive_min"] g.day[data-date="${day}"]`,
    )
    expect(await marked.getAttribute('class')).toBe('day drift')
    expect(await marked.getAttribute('data-value')).toBe(String(sent + 35))
    expect((await marked.locator('text.value').textContent())?.trim()).toBe(`${sent + 35} min ≠`)
    expect(await page.locator('.drift-list li').allInnerTexts()).toEqual([
      `Productive time: Exist shows ${sent + 35} min, Timebridge sent ${sent} min on Tue 17 Nov`,
    ])
    expect(await page.locator('.checked-at').innerText()).toContain('Exist last checked today')
    await page.locator('#drift-check').scrollIntoViewIfNeeded()
    await shot('09a-drift-found')

    fakes.exist.resetLog()
    await page.getByRole('button', { name: 'Repair these days' }).click()
    await page.locator('.notice', { hasText: 'Repair:' }).first().waitFor()
    expect(await flash()).toContain('Repair: set 1 day back to what Timebridge sent.')
    expect(fakes.exist.writes().map((r) => [r.path, r.body])).toEqual([
      ['/api/2/attributes/update/', [{ name: 'productive_min', date: day, value: sent }]],
    ])
    expect(fakes.exist.value(sample.existUser, 'productive_min', day)).toBe(sent)
    expect(await page.locator('.drift-list').count()).toBe(0)
    await expectChartMatchesExist(['productive_min', 'tv_min'])
    await shot('09b-drift-repaired')
  })

  it('disconnects after a confirmation, leaving nothing of the user', async () => {
    const id = (await userId())!
    await page.getByRole('link', { name: 'Disconnect…' }).click()
    expect(await page.locator('.warning').innerText()).toContain(
      'Productive time, Watching TV are handed back to Exist',
    )
    await shot('09-disconnect-confirm')
    await page.getByRole('button', { name: 'Disconnect and delete' }).click()
    await page.waitForURL(`${oauth.url}/bye`)
    expect(await flash()).toContain('Nothing of yours is left here')
    await shot('10-disconnected')

    const { db } = oauth.deps
    for (const table of [
      schema.users,
      schema.sourceConnections,
      schema.projects,
      schema.mappings,
      schema.attributes,
      schema.userData,
      schema.existValues,
      schema.runs,
    ]) {
      expect(await db.select().from(table)).toEqual([])
    }
    expect(id).toBeGreaterThan(0)
    expect(sample.existUser.attributes.get('productive_min')!.service).toBeNull()
    await page.goto(`${oauth.url}/status`)
    expect(new URL(page.url()).pathname).toBe('/signin')
  })

  it('signs in with a personal token when no OAuth client is configured, and signs out', async () => {
    await page.goto(tokenOnly.url)
    await page.getByLabel('Exist personal token').fill('wrong-exist-token-000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await page.locator('#f-existToken-error').innerText()).toContain(
      'Exist refused this token',
    )
    await shot('11-sign-in-token-refused')
    expect(await tokenOnly.deps.db.select().from(schema.users)).toEqual([])

    await page.getByLabel('Exist personal token').fill('pat-exist-personal-token-0001')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${tokenOnly.url}/connect`)
    expect(await page.locator('footer').innerText()).toContain('Signed in to Exist as pat')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${tokenOnly.url}/signin`)
    expect(await flash()).toContain('You are signed out')
    const [pat] = await tokenOnly.deps.db.select().from(schema.users)
    expect(pat!.existAuth).toBe('personal')
  })

  it('ran without script errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
