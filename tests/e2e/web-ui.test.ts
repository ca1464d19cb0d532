/**
 * The web UI in headless Chromium against the real Node server and the loopback fakes: sign in (OAuth and
 * personal token), connect Toggl, map (takeover and unmap confirmations), sync, chart, Zero Out, Disconnect;
 * Back after every POST lands on a real page; axe-core finds no serious or critical problem on any page.
 * Every page is captured at 1280 and 390 px wide in test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { AxeResults } from 'axe-core'
import { eq } from 'drizzle-orm'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as schema from '../../src/store/schema.ts'
import { loadSampleAccount, type SampleAccount } from '../fakes/sample-account.ts'
import { type Fakes, startFakes, startWebServer, type WebServer } from '../helpers/web-stack.ts'

const SHOTS = join(process.cwd(), 'test-results', 'screenshots')
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

describe('web UI in Chromium', { timeout: 60_000 }, () => {
  const clock = { now: Date.parse('2026-11-20T13:30:00Z') }
  const now = () => clock.now
  let fakes: Fakes
  let sample: SampleAccount
  let oauth: WebServer
  let tokenOnly: WebServer
  let browser: Browser
  let page: Page
  const problems: string[] = []
  const checked: string[] = []

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
    page = await browser.newPage({ viewport: DESKTOP })
    // Fail within the test's time, not after Playwright's 30 s default.
    page.setDefaultTimeout(5_000)
    page.on('console', (m) => {
      // The one 404 is the "Not found" page, opened on purpose.
      if (m.type() === 'error' && !/status of 404/.test(m.text()))
        problems.push(`${m.text()} (${m.location().url})`)
    })
    page.on('pageerror', (e) => problems.push(e.message))
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([oauth?.close(), tokenOnly?.close()])
    await fakes?.close()
  })

  const path = () => new URL(page.url()).pathname
  const flash = () => page.locator('.notice[role=status], .notice[role=alert]').first().innerText()
  const userId = async () =>
    (
      await oauth.deps.db.select().from(schema.users).where(eq(schema.users.existUsername, 'sam'))
    )[0]?.id

  /** axe-core in the page: no serious or critical violation. */
  async function expectAccessible(name: string) {
    await page.evaluate(AXE)
    const result = await page.evaluate(() =>
      (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run(),
    )
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    expect(bad, name).toEqual([])
    checked.push(name)
  }

  /** Checks a page with axe, then captures it at 1280 and 390 px (which must not scroll sideways). */
  async function visit(name: string) {
    await page.locator('h1').first().waitFor()
    await expectAccessible(name)
    await page.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true })
    await page.setViewportSize(PHONE)
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      `${name} fits 390 px`,
    ).toBe(true)
    await page.screenshot({ path: join(SHOTS, `${name}-390.png`), fullPage: true })
    await page.setViewportSize(DESKTOP)
  }

  /** Back after a POST shows a real page (never "Confirm Form Resubmission"), and says which. */
  async function expectBackTo(pathname: string, heading: string | RegExp) {
    const res = await page.goBack()
    expect(res?.status(), `Back to ${pathname}`).toBe(200)
    expect(path()).toBe(pathname)
    expect(await page.locator('h1').innerText()).toMatch(heading)
  }

  /** Every bar of every chart equals what the fake Exist holds for that day. */
  async function expectChartMatchesExist(attributes: string[]) {
    for (const attribute of attributes) {
      const days = await page
        .locator(`figure.chart[data-attribute="${attribute}"] g.day`)
        .evaluateAll((gs) =>
          gs.map((g) => ({
            date: g.getAttribute('data-date')!,
            value: Number(g.getAttribute('data-value')),
            tip: g.querySelector('text.tip')!.textContent!,
          })),
        )
      expect(days, attribute).toHaveLength(14)
      expect(days.at(-1)!.date, 'today last').toBe('2026-11-20')
      for (const d of days) {
        const held = fakes.exist.value(sample.existUser, attribute, d.date)
        expect(d.value, `${attribute} ${d.date}`).toBe(held)
        expect(d.tip, `${attribute} ${d.date}`).toBe(
          `${Math.floor(held / 60)}:${String(held % 60).padStart(2, '0')}`,
        )
      }
      expect(
        days.some((d) => d.value > 0),
        attribute,
      ).toBe(true)
    }
  }

  it('signs in with Exist OAuth through the consent page', async () => {
    await page.goto(oauth.url)
    expect(path()).toBe('/signin')
    await visit('01-sign-in')
    await page.getByRole('link', { name: 'Sign in with Exist' }).click()
    await page.getByRole('button', { name: 'Allow' }).waitFor()
    expect(await page.locator('li').allInnerTexts()).toEqual([
      'media_read',
      'media_write',
      'productivity_read',
      'productivity_write',
    ])
    await page.screenshot({ path: join(SHOTS, '02-exist-consent-1280.png') })
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${oauth.url}/connect`)
    expect(await flash()).toContain('Welcome, sam')
    const [user] = await oauth.deps.db.select().from(schema.users)
    expect(user!.existAuth).toBe('oauth')
    await visit('03-connect')
  })

  it('connects Toggl: a bad token is refused next to its field, a good one lists the projects, Back is a real page', async () => {
    await page.getByLabel('Toggl Track API token').fill('0123456789abcdef0123456789abcdef')
    await page.getByRole('button', { name: 'Connect Toggl Track' }).click()
    await page.waitForURL(`${oauth.url}/connect`)
    const error = page.locator('#f-togglToken-error')
    expect(await error.innerText()).toContain('Toggl Track refused this token')
    expect(await error.innerText()).not.toMatch(/HTTP/)
    expect(await page.locator('#f-togglToken').inputValue()).toBe('')
    expect(await page.locator('#f-togglToken-help').innerText()).toContain('Profile settings')
    await visit('04-connect-refused')
    expect(await oauth.deps.db.select().from(schema.sourceConnections)).toEqual([])

    await page.getByLabel('Toggl Track API token').fill(sample.togglToken)
    await page.getByRole('button', { name: 'Connect Toggl Track' }).click()
    await page.waitForURL(`${oauth.url}/mapping`)
    expect(await flash()).toContain('10 projects')
    await expectBackTo('/connect', 'Time sources')
    expect(await page.locator('#toggl .ok-line').innerText()).toContain('Connected: 10 projects')
    await page.goForward()

    expect(await page.locator('main h2').allInnerTexts()).toEqual([
      'Rules',
      'Acme Studio',
      'Personal',
    ])
    expect(await page.locator('main h3').allInnerTexts()).toEqual([
      'Globex',
      'Northwind Traders',
      'No client',
      'No client',
    ])
    const cms = page.locator('li.project', { hasText: 'Old CMS migration' })
    expect(await cms.locator('.badge').innerText()).toBe('archived')
    expect(await cms.locator('svg circle').getAttribute('fill')).toBe('#c9806b')
    // The badge is its own word for screen readers: "Old CMS migration archived".
    await page.getByRole('combobox', { name: 'Old CMS migration archived', exact: true }).waitFor()
    await visit('05-mapping')
  })

  it('maps three projects, confirming the takeover on a page of its own; saving syncs and Back is a real page', async () => {
    await page.getByLabel('Website relaunch').selectOption('productive_min')
    await page.getByLabel('Series & TV').selectOption('tv_min')
    await page.getByLabel('Gaming').selectOption('gaming_min')
    await page.getByRole('button', { name: 'Save mapping' }).click()
    await page.waitForURL(/\/mapping\/confirm\?/)
    const warning = await page.locator('.warning').innerText()
    expect(warning).toContain('Productive time is filled by RescueTime now')
    expect(warning).toContain('Sat 7 Nov 2026 to Fri 20 Nov 2026')
    await visit('06-mapping-confirm-takeover')
    expect(await oauth.deps.db.select().from(schema.mappings)).toEqual([])
    // The pending choice survives a reload: it is in the page's address, not in a POST.
    await page.reload()
    expect(await page.locator('.warning').innerText()).toBe(warning)

    await page.getByRole('button', { name: 'Take over and save' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    const saved = await flash()
    expect(saved).toMatch(/Mapping saved \(3 changes\)\. Sync: Done; \d+ values changed in Exist\./)
    expect(saved).toContain('Timebridge took Productive time over from RescueTime.')
    const maps = await oauth.deps.db.select().from(schema.mappings)
    expect(maps.map((m) => [m.project, m.attribute]).sort()).toEqual(
      [
        [`toggl:${sample.projects.gaming.id}`, 'gaming_min'],
        [`toggl:${sample.projects.tv.id}`, 'tv_min'],
        [`toggl:${sample.projects.website.id}`, 'productive_min'],
      ].sort(),
    )
    // Synced already: Exist has the values and the chart shows them, no Sync now needed.
    await expectChartMatchesExist(['productive_min', 'tv_min', 'gaming_min'])

    await expectBackTo('/mapping/confirm', 'Nothing to confirm')
    expect(await page.locator('main').innerText()).toContain('These choices are saved already.')
    await page.goForward()
    expect(path()).toBe('/status')
  })

  it('shows one compact chart per attribute: 14 columns, today last, values on hover, focus and in a table', async () => {
    const charts = page.locator('figure.chart')
    expect(await charts.count()).toBe(3)
    expect(await page.locator('.chart-title').allInnerTexts()).toEqual([
      'Productive time',
      'Watching TV',
      'Time gaming',
    ])
    // Desktop: three charts side by side, each small, and the whole page about one screen.
    const boxes = await page.locator('svg.day-chart').evaluateAll((svgs) =>
      svgs.map((s) => {
        const r = s.getBoundingClientRect()
        return { x: r.x, y: r.y, width: r.width, height: r.height }
      }),
    )
    for (const b of boxes) {
      expect(b.width).toBeGreaterThan(240)
      expect(b.width).toBeLessThan(360)
      expect(b.height).toBeGreaterThan(100)
      expect(b.height).toBeLessThan(170)
      expect(b.y).toBe(boxes[0]!.y)
    }
    const height = await page.evaluate(() => document.documentElement.scrollHeight)
    expect(height, 'status page height at 1280 px').toBeLessThan(1_000)

    // Hover and keyboard focus show a day's value; the table has all of them.
    const day = page.locator(
      'figure[data-attribute="productive_min"] g.day[data-date="2026-11-19"]',
    )
    const tip = day.locator('text.tip')
    expect(await tip.evaluate((t) => getComputedStyle(t).visibility)).toBe('hidden')
    await day.hover()
    expect(await tip.evaluate((t) => getComputedStyle(t).visibility)).toBe('visible')
    await page.mouse.move(0, 0)
    await day.focus()
    expect(await tip.evaluate((t) => getComputedStyle(t).visibility)).toBe('visible')
    expect(await day.getAttribute('aria-label')).toMatch(/^Thu 19 Nov: \d+ h( \d+ min)?$/)
    await visit('07-status')
    const held = fakes.exist.value(sample.existUser, 'productive_min', '2026-11-19')
    const table = page.locator('figure[data-attribute="productive_min"] details')
    await table.locator('summary').click()
    expect(await table.locator('tr[data-date="2026-11-19"] td').first().innerText()).toBe(
      `${Math.floor(held / 60)}:${String(held % 60).padStart(2, '0')}`,
    )
    await table.locator('summary').click()

    await page.setViewportSize(PHONE)
    for (const b of await page
      .locator('svg.day-chart')
      .evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().toJSON()))) {
      expect(b.width).toBeLessThan(360)
      expect(b.height).toBeLessThan(200)
      expect(b.width).toBeGreaterThan(280)
    }
    // Phone text stays legible: day numbers at least 10 px high.
    const fontPx = await page
      .locator('svg.day-chart text.x')
      .first()
      .evaluate((t) => (t as SVGTextElement).getBoundingClientRect().height)
    expect(fontPx).toBeGreaterThanOrEqual(10)
    await page.setViewportSize(DESKTOP)
  })

  it('syncs now with visible progress; Back after it is the status page again', async () => {
    // The old page stays up while the POST runs: report what it shows then (screenshots wait for the navigation).
    let progress: { visible: boolean; disabled: boolean; text: string } | undefined
    await page.exposeFunction('reportProgress', (state: typeof progress) => {
      progress ??= state
    })
    await page.evaluate(() => {
      const box = document.querySelector<HTMLElement>('.sync-now .progress')!
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
    expect(await flash()).toBe('Sync now: Done; Exist was already up to date')
    const run = await page.locator('.runs li.run').first().innerText()
    expect(run).toMatch(/Read \d+ time entries from Toggl Track/)
    expect(run).not.toMatch(/increment|update|as totals/)
    await expectChartMatchesExist(['productive_min', 'tv_min', 'gaming_min'])
    await expectBackTo('/status', 'Status')
    await page.goForward()
  })

  it('unmapping the last project of an attribute asks, and "clear" sets its days to 0 before handing it back', async () => {
    const day = '2026-11-19'
    const gamed = sample.togglUser.entries.some((e) => e.projectId === sample.projects.gaming.id)
    expect(gamed).toBe(true)
    await page.getByRole('link', { name: 'Mapping', exact: true }).click()
    await page.getByLabel('Gaming').selectOption('')
    await page.getByRole('button', { name: 'Save mapping' }).click()
    await page.waitForURL(/\/mapping\/confirm\?/)
    expect(await page.locator('h1').innerText()).toBe('Stop syncing?')
    expect(await page.locator('#stopping').innerText()).toContain(
      'Time gaming loses its last project (Gaming)',
    )
    await visit('08-mapping-confirm-unmap')
    await page.getByRole('button', { name: 'Clear the values and save' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('Time gaming: set to 0 in Exist for')
    for (let i = 7; i <= 20; i++)
      expect(fakes.exist.value(sample.existUser, 'gaming_min', `2026-11-${i}`)).toBe(0)
    expect(sample.existUser.attributes.get('gaming_min')!.service).toBeNull()
    expect(await page.locator('figure.chart').count()).toBe(2)
    expect(fakes.exist.value(sample.existUser, 'tv_min', day)).toBeGreaterThanOrEqual(0)
    await expectBackTo('/mapping/confirm', 'Nothing to confirm')
    await page.goForward()
  })

  it('zeroes out after a confirmation and puts the true totals back; Back is a real page', async () => {
    const day = '2026-11-18'
    const truth = fakes.exist.value(sample.existUser, 'tv_min', day)
    fakes.exist.setValue(sample.existUser, 'tv_min', day, 999)
    await page.getByRole('link', { name: 'Zero Out…' }).click()
    const steps = await page.locator('.warning').innerText()
    expect(steps).toContain('Productive time, Watching TV')
    expect(steps).toContain('14 days from Sat 7 Nov 2026 to Fri 20 Nov 2026')
    await visit('09-zero-out-confirm')
    await page.getByRole('button', { name: 'Zero Out now' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('Zero Out done: 28 day values set to 0')
    expect(fakes.exist.value(sample.existUser, 'tv_min', day)).toBe(truth)
    await expectChartMatchesExist(['productive_min', 'tv_min'])
    expect(await page.locator('.runs li.run').first().innerText()).toContain('· Zero Out')
    await expectBackTo('/zero-out', 'Zero Out?')
    await page.goForward()
  })

  it('imports history after a confirmation naming the attributes and the days it replaces, shows progress, cancels', async () => {
    await page.goto(`${oauth.url}/status`)
    await page.getByRole('link', { name: 'Import history…' }).click()
    await visit('09a-import-history')
    await page.getByLabel('First day of the import').fill('2026-10-01')
    await page.getByRole('button', { name: 'Continue…' }).click()
    const steps = await page.locator('.warning').innerText()
    expect(steps).toContain('Productive time, Watching TV')
    expect(steps).toContain('37 days from Thu 1 Oct 2026 to Fri 6 Nov 2026')
    expect(steps).toContain('The values Exist holds for those days are replaced')
    await visit('09b-import-history-confirm')
    await page.getByRole('button', { name: 'Start the import' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('History import started: 31 days of 37 done so far')
    const block = page.locator('section[data-history]')
    expect(await block.innerText()).toContain('31 of 37 days done')
    expect(await block.locator('progress').getAttribute('value')).toBe('31')
    await visit('09c-status-history-import')
    await expectBackTo('/import-history/confirm', 'Import your history?')
    await page.goForward()
    await page.getByRole('button', { name: 'Cancel the import' }).click()
    await page.waitForURL(`${oauth.url}/status`)
    expect(await flash()).toContain('History import cancelled after 31 days of 37')
  })

  it('creates a rule on the mapping page after previewing what it matches, then deletes it', async () => {
    await page.goto(`${oauth.url}/mapping`)
    const rules = page.locator('section#rules')
    expect(await rules.innerText()).toContain('No rules yet.')
    await rules.getByLabel('Rule', { exact: true }).last().selectOption('description')
    await rules.getByLabel('Match', { exact: true }).last().fill('stand-UP')
    await rules.getByLabel('Attribute', { exact: true }).last().selectOption('tv_min')
    const before = fakes.toggl.requests.length
    await rules.getByRole('button', { name: 'Preview' }).click()
    await page.waitForURL(/\/mapping/)
    // One source read for the preview, none for typing.
    expect(fakes.toggl.requests.length - before).toBe(1)
    // The window's first instant: 7 Nov, midnight in Berlin (the sample account's Exist zone).
    const window = Date.parse('2026-11-06T23:00:00Z')
    const standUps = sample.togglUser.entries.filter(
      (e) => e.description === 'Stand-up' && e.start >= window && e.serverDeletedAt === null,
    ).length
    expect(standUps).toBeGreaterThan(0)
    expect(await flash()).toMatch(
      new RegExp(
        `Preview of description:stand-UP: matches ${standUps} entries, (\\d+ h )?\\d+ min in the last 14 days\\.`,
      ),
    )
    // The form comes back as it was, so adding needs no retyping.
    expect(await rules.getByLabel('Match', { exact: true }).last().inputValue()).toBe('stand-UP')
    await visit('05a-mapping-rule-preview')
    await rules.getByRole('button', { name: 'Add rule' }).click()
    await page.waitForURL(/\/mapping/)
    expect(await flash()).toContain('Rule added.')
    expect(await rules.locator('ol.rule-list li').count()).toBe(1)
    expect(await rules.locator('ol.rule-list input[name=value]').inputValue()).toBe('stand-UP')
    await visit('05b-mapping-rule-added')
    await rules.getByRole('button', { name: 'Delete' }).click()
    await page.waitForURL(/\/mapping/)
    expect(await flash()).toContain('Rule 1 deleted.')
    expect(await rules.innerText()).toContain('No rules yet.')
  })

  it('asks before disconnecting a source (and cancels)', async () => {
    await page.getByRole('link', { name: 'Sources', exact: true }).click()
    await page.getByRole('link', { name: 'Disconnect Toggl Track…' }).click()
    expect(await page.locator('.warning').innerText()).toContain(
      'Productive time, Watching TV stop syncing',
    )
    await visit('10-source-disconnect-confirm')
    await page.getByRole('link', { name: 'Cancel' }).click()
    expect(path()).toBe('/connect')
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
    await page.getByRole('link', { name: 'Status', exact: true }).click()
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
    expect(await marked.getAttribute('class')).toBe('day mark-drift')
    expect(await marked.getAttribute('data-value')).toBe(String(sent + 35))
    const shown = sent + 35
    expect(await marked.locator('text.tip').textContent()).toBe(
      `${Math.floor(shown / 60)}:${String(shown % 60).padStart(2, '0')}`,
    )
    expect(await marked.getAttribute('aria-label')).toContain(
      `(Exist shows ${shown} min, Timebridge sent ${sent} min on Tue 17 Nov)`,
    )
    expect(await page.locator('.drift-list li').allInnerTexts()).toEqual([
      `Productive time: Exist shows ${sent + 35} min, Timebridge sent ${sent} min on Tue 17 Nov`,
    ])
    expect(await page.locator('.checked-at').innerText()).toContain('Exist last checked today')
    await visit('10a-status-drift-found')

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
    await visit('10b-status-drift-repaired')
  })

  it('disconnects after a confirmation, leaving nothing of the user', async () => {
    const id = (await userId())!
    await page.getByRole('link', { name: 'Status', exact: true }).click()
    await page.getByRole('link', { name: 'Disconnect…' }).click()
    expect(await page.locator('.warning').innerText()).toContain(
      'Productive time, Watching TV are handed back to Exist',
    )
    await visit('11-disconnect-confirm')
    await page.getByRole('button', { name: 'Disconnect and delete' }).click()
    await page.waitForURL(`${oauth.url}/bye`)
    expect(await flash()).toContain('Nothing of yours is left here')
    await visit('12-disconnected')

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
    // Back: the confirmation's address now asks to sign in.
    await expectBackTo('/signin', 'Your tracked time, in Exist')
    await page.goto(`${oauth.url}/status`)
    expect(path()).toBe('/signin')
  })

  it('signs in with a personal token (refused first, Back is a real page); empty states; signs out', async () => {
    await page.goto(tokenOnly.url)
    await visit('13-sign-in-token')
    await page.getByLabel('Exist personal token').fill('wrong-exist-token-000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${tokenOnly.url}/signin`)
    expect(await page.locator('#f-existToken-error').innerText()).toContain(
      'Exist refused this token',
    )
    await visit('14-sign-in-token-refused')
    expect(await tokenOnly.deps.db.select().from(schema.users)).toEqual([])

    await page.getByLabel('Exist personal token').fill('pat-exist-personal-token-0001')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${tokenOnly.url}/connect`)
    expect(await page.locator('footer').innerText()).toContain('Signed in to Exist as pat')
    // Back goes to the sign-in page's address, which sends a signed-in person on (redirects are
    // never cached: a stale "/ → /signin" from before signing in would loop).
    await page.goBack()
    expect(path()).toBe('/connect')
    expect(await page.locator('h1').innerText()).toBe('Time sources')

    await page.goto(`${tokenOnly.url}/mapping`)
    expect(await page.locator('.notice.empty').innerText()).toContain(
      'No time source is connected yet.',
    )
    expect(await page.getByRole('button', { name: 'Refresh projects' }).count()).toBe(0)
    await visit('15-mapping-no-source')
    await page.goto(`${tokenOnly.url}/status`)
    expect(await page.locator('main').innerText()).toContain(
      'Next step: connect Toggl Track or Clockify',
    )
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0)
    await visit('16-status-no-source')
    await page.goto(`${tokenOnly.url}/no-such-page`)
    await visit('17-not-found')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${tokenOnly.url}/signin`)
    expect(await flash()).toContain('You are signed out')
    const [pat] = await tokenOnly.deps.db.select().from(schema.users)
    expect(pat!.existAuth).toBe('personal')
  })

  it('ran without script errors or CSP violations, and axe checked every page', () => {
    expect(problems).toEqual([])
    expect(checked).toHaveLength(23)
  })
})
