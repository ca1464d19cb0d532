/** In-memory Toggl Track fake (API v9: auth, 402 quota, time entries, projects; Reports API v3 detailed search) as a Hono app. */

import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { DateTime } from 'luxon'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
// Toggl returns at most this many entries per /me/time_entries call (v8 documented, v9 observed).
const ENTRY_CAP = 1000
// Observed live: start_date more than ~92 days back is refused.
const LOOKBACK_DAYS = 92
// Without any filter v8 returned the last 9 days; v9 is undocumented, so keep the v8 rule.
const DEFAULT_WINDOW_DAYS = 9
// Reports API v3 detailed search (https://engineering.toggl.com/docs/reports/detailed_reports):
// `page_size` defaults to 50; the widest range is a year (the maximum is not documented; 366 days assumed).
const REPORT_PAGE_DEFAULT = 50
const REPORT_PAGE_MAX = 50
const REPORT_MAX_DAYS = 366

export interface FakeTogglWorkspace {
  id: number
  name: string
  organizationId: number
  at: number
}

export interface FakeTogglClient {
  id: number
  wid: number
  name: string
  at: number
}

export interface FakeTogglProject {
  id: number
  workspaceId: number
  clientId: number | null
  name: string
  color: string
  active: boolean
  billable: boolean
  /** epoch ms of the last change */
  at: number
  createdAt: number
}

export interface FakeTogglEntry {
  id: number
  workspaceId: number
  projectId: number | null
  /** epoch ms */
  start: number
  /** epoch ms; null while running */
  stop: number | null
  description: string
  tags: string[]
  at: number
  serverDeletedAt: number | null
}

export interface FakeTogglUser {
  id: number
  token: string
  timezone: string
  fullname: string
  email: string
  defaultWorkspaceId: number
  workspaces: FakeTogglWorkspace[]
  clients: FakeTogglClient[]
  projects: FakeTogglProject[]
  entries: FakeTogglEntry[]
  revoked: boolean
  createdAt: number
}

export interface FakeTogglRequest {
  method: string
  path: string
  query: Record<string, string>
  status: number
  /** the fake's clock when the request came in (epoch ms) */
  at?: number
  userId?: number
}

export interface FakeTogglOptions {
  /** epoch ms; defaults to Date.now */
  now?: () => number
  /** requests per user per sliding hour; default 30 (Free plan and every /me request) */
  quotaPerHour?: number
  /** keep every request in `requests` (default true); the benchmark's thousands of users turn it off */
  log?: boolean
  /**
   * Whether an instant `end_date` includes an entry starting exactly then. Undocumented for v9
   * ("until this date"); default false. True models the other reading, so a client that splits
   * a capped range at a midpoint sees the entry at the split in both halves.
   */
  endDateInclusive?: boolean
}

type TimeInput = string | number

interface Fault {
  remaining: number
  status: number
  headers: Record<string, string>
  body: string | undefined
}

type Env = { Variables: { user: FakeTogglUser; log: FakeTogglRequest } }

export class FakeToggl {
  readonly app = new Hono<Env>()
  readonly requests: FakeTogglRequest[] = []
  readonly users: FakeTogglUser[] = []
  readonly fetch = (req: Request, env?: unknown): Response | Promise<Response> =>
    this.app.fetch(req, env as object | undefined)

  private readonly now: () => number
  private readonly quotaPerHour: number
  private readonly keepLog: boolean
  /** token → users holding it, so authenticating stays O(1) with tens of thousands of users */
  private readonly byToken = new Map<string, FakeTogglUser[]>()
  endDateInclusive: boolean
  /** Sliding hours per bucket: `me:<user>` (user-specific requests) and `org:<user>:<org>` (reports). */
  private readonly quota = new Map<string, { start: number; used: number }>()
  private readonly faults: Fault[] = []
  /** Tag ids per `workspace:name`: entries hold names; the Reports API and the tags list speak ids. */
  private readonly tagIds = new Map<string, number>()
  private nextTagId = 7_000_001
  private nextUserId = 1_000_001
  private nextWorkspaceId = 2_000_001
  private nextClientId = 6_000_001
  private nextProjectId = 200_000_001
  private nextEntryId = 9_000_000_001

  constructor(opts: FakeTogglOptions = {}) {
    this.now = opts.now ?? Date.now
    this.quotaPerHour = opts.quotaPerHour ?? 30
    this.keepLog = opts.log ?? true
    this.endDateInclusive = opts.endDateInclusive ?? false
    this.routes()
  }

  addUser(u: {
    token: string
    id?: number
    timezone?: string
    fullname?: string
    email?: string
  }): FakeTogglUser {
    const fullname = u.fullname ?? 'Test User'
    const user: FakeTogglUser = {
      id: u.id ?? this.nextUserId++,
      token: u.token,
      timezone: u.timezone ?? 'UTC',
      fullname,
      email: u.email ?? `user${this.users.length + 1}@example.com`,
      defaultWorkspaceId: 0,
      workspaces: [],
      clients: [],
      projects: [],
      entries: [],
      revoked: false,
      createdAt: this.now(),
    }
    this.users.push(user)
    this.byToken.set(user.token, [...(this.byToken.get(user.token) ?? []), user])
    user.defaultWorkspaceId = this.addWorkspace(user, `${fullname}'s workspace`)
    return user
  }

  addWorkspace(user: FakeTogglUser, name: string): number {
    const id = this.nextWorkspaceId++
    user.workspaces.push({ id, name, organizationId: id + 1_000_000, at: this.now() })
    return id
  }

  addClient(user: FakeTogglUser, wid: number, name: string): number {
    this.workspace(user, wid)
    const id = this.nextClientId++
    user.clients.push({ id, wid, name, at: this.now() })
    return id
  }

  addProject(
    user: FakeTogglUser,
    p: { name: string; wid?: number; clientId?: number | null; color?: string; active?: boolean },
  ): FakeTogglProject {
    const wid = p.wid ?? user.defaultWorkspaceId
    this.workspace(user, wid)
    if (p.clientId != null && !user.clients.some((c) => c.id === p.clientId)) {
      throw new Error(`FakeToggl: unknown client ${p.clientId}`)
    }
    const now = this.now()
    const project: FakeTogglProject = {
      id: this.nextProjectId++,
      workspaceId: wid,
      clientId: p.clientId ?? null,
      name: p.name,
      color: p.color ?? '#0b83d9',
      active: p.active ?? true,
      billable: false,
      at: now,
      createdAt: now,
    }
    user.projects.push(project)
    return project
  }

  addEntry(
    user: FakeTogglUser,
    e: {
      projectId: number | null
      start: TimeInput
      stop: TimeInput | null
      description?: string
      tags?: string[]
      workspaceId?: number
    },
  ): FakeTogglEntry {
    const project = e.projectId === null ? undefined : this.project(user, e.projectId)
    const start = toMs(e.start)
    const stop = e.stop === null ? null : toMs(e.stop)
    if (stop !== null && stop < start) throw new Error('FakeToggl: entry stops before it starts')
    const entry: FakeTogglEntry = {
      id: this.nextEntryId++,
      workspaceId: project?.workspaceId ?? e.workspaceId ?? user.defaultWorkspaceId,
      projectId: e.projectId,
      start,
      stop,
      description: e.description ?? '',
      tags: e.tags ?? [],
      at: this.now(),
      serverDeletedAt: null,
    }
    user.entries.push(entry)
    return entry
  }

  editEntry(
    user: FakeTogglUser,
    id: number,
    patch: {
      projectId?: number | null
      start?: TimeInput
      stop?: TimeInput | null
      description?: string
      tags?: string[]
    },
  ): FakeTogglEntry {
    const entry = this.entry(user, id)
    if (patch.projectId !== undefined) {
      entry.projectId = patch.projectId
      if (patch.projectId !== null)
        entry.workspaceId = this.project(user, patch.projectId).workspaceId
    }
    if (patch.start !== undefined) entry.start = toMs(patch.start)
    if (patch.stop !== undefined) entry.stop = patch.stop === null ? null : toMs(patch.stop)
    if (patch.description !== undefined) entry.description = patch.description
    if (patch.tags !== undefined) entry.tags = patch.tags
    entry.at = this.now()
    return entry
  }

  /** Soft delete: Toggl keeps the row so `since` syncs can learn about the deletion. */
  deleteEntry(user: FakeTogglUser, id: number): void {
    const entry = this.entry(user, id)
    const now = this.now()
    entry.serverDeletedAt = now
    entry.at = now
  }

  deleteProject(user: FakeTogglUser, projectId: number): void {
    this.project(user, projectId)
    user.projects = user.projects.filter((p) => p.id !== projectId)
    const now = this.now()
    for (const entry of user.entries) {
      if (entry.projectId === projectId) {
        entry.projectId = null
        entry.at = now
      }
    }
  }

  revoke(user: FakeTogglUser): void {
    user.revoked = true
  }

  /** The user resets their API token in Toggl's profile: the old one stops working, the new one works. */
  resetToken(user: FakeTogglUser, token: string): void {
    const holders = (this.byToken.get(user.token) ?? []).filter((u) => u !== user)
    if (holders.length) this.byToken.set(user.token, holders)
    else this.byToken.delete(user.token)
    user.token = token
    user.revoked = false
    this.byToken.set(token, [...(this.byToken.get(token) ?? []), user])
  }

  /** The next n authenticated requests answer `status` (they consume no quota). */
  failNext(n: number, status: number, headers: Record<string, string> = {}, body?: string): void {
    if (n > 0) this.faults.push({ remaining: n, status, headers, body })
  }

  /** Forgets failures queued with failNext that no request used. */
  clearFaults(): void {
    this.faults.length = 0
  }

  resetLog(): void {
    this.requests.length = 0
  }

  private workspace(user: FakeTogglUser, wid: number): FakeTogglWorkspace {
    const ws = user.workspaces.find((w) => w.id === wid)
    if (!ws) throw new Error(`FakeToggl: workspace ${wid} does not belong to user ${user.id}`)
    return ws
  }

  private project(user: FakeTogglUser, id: number): FakeTogglProject {
    const project = user.projects.find((p) => p.id === id)
    if (!project) throw new Error(`FakeToggl: unknown project ${id}`)
    return project
  }

  private entry(user: FakeTogglUser, id: number): FakeTogglEntry {
    const entry = user.entries.find((e) => e.id === id)
    if (!entry) throw new Error(`FakeToggl: unknown time entry ${id}`)
    return entry
  }

  private authenticate(header: string | undefined): FakeTogglUser | 'missing' | 'invalid' {
    if (!header) return 'missing'
    const match = /^Basic\s+(\S+)$/i.exec(header)
    if (!match?.[1]) return 'invalid'
    let decoded: string
    try {
      decoded = atob(match[1])
    } catch {
      return 'invalid'
    }
    const colon = decoded.lastIndexOf(':')
    if (colon < 0 || decoded.slice(colon + 1) !== 'api_token') return 'invalid'
    const token = decoded.slice(0, colon)
    const user = this.byToken.get(token)?.find((u) => !u.revoked)
    return user ?? 'invalid'
  }

  private takeFault(): Fault | undefined {
    const fault = this.faults[0]
    if (!fault) return undefined
    if (--fault.remaining <= 0) this.faults.shift()
    return fault
  }

  private consumeQuota(
    user: FakeTogglUser,
    bucket = `me:${user.id}`,
  ): { ok: boolean; headers: Record<string, string> } {
    const now = this.now()
    let window = this.quota.get(bucket)
    if (!window || now >= window.start + HOUR_MS) {
      window = { start: now, used: 0 }
      this.quota.set(bucket, window)
    }
    const ok = window.used < this.quotaPerHour
    if (ok) window.used++
    const resetsIn = Math.max(0, Math.ceil((window.start + HOUR_MS - now) / 1000))
    return {
      ok,
      headers: {
        'X-Toggl-Quota-Remaining': String(Math.max(0, this.quotaPerHour - window.used)),
        'X-Toggl-Quota-Resets-In': String(resetsIn),
      },
    }
  }

  /**
   * What every Toggl API route answers first: authentication, an injected fault, then the hourly
   * quota of the bucket `bucketOf` names (the user's own when undefined), or its own refusal.
   */
  private gate(
    bucketOf: (c: Context<Env>, user: FakeTogglUser) => string | undefined | Response,
  ): MiddlewareHandler<Env> {
    return async (c, next) => {
      const user = this.authenticate(c.req.header('Authorization'))
      if (user === 'missing') return c.body(null, 401, { 'X-Authorization-Missing': 'true' })
      if (user === 'invalid') return c.text('Incorrect username and/or password', 403)
      c.get('log').userId = user.id
      c.set('user', user)
      const fault = this.takeFault()
      if (fault)
        return new Response(fault.body ?? null, { status: fault.status, headers: fault.headers })
      const bucket = bucketOf(c, user)
      if (bucket instanceof Response) return bucket
      const quota = this.consumeQuota(user, bucket)
      if (!quota.ok) {
        const secs = quota.headers['X-Toggl-Quota-Resets-In']
        const msg =
          'You have hit your hourly limit for API calls. ' +
          `Your quota will reset in ${secs} seconds.`
        return c.json(msg, 402, quota.headers)
      }
      await next()
      for (const [k, v] of Object.entries(quota.headers)) c.res.headers.set(k, v)
    }
  }

  private routes(): void {
    const app = this.app

    app.use('*', async (c, next) => {
      const log: FakeTogglRequest = {
        method: c.req.method,
        path: c.req.path,
        query: c.req.query(),
        status: 0,
        at: this.now(),
      }
      if (this.keepLog) this.requests.push(log)
      c.set('log', log)
      try {
        await next()
      } finally {
        log.status = c.res.status
      }
    })

    app.use(
      '/api/v9/*',
      this.gate(() => undefined),
    )

    // Reports are organization requests: their own hourly bucket per user and organization
    // (https://support.toggl.com/en/articles/11484112-api-webhook-limits, reference A4.1).
    app.use(
      '/reports/api/v3/*',
      this.gate((c, user) => {
        const wid = Number(/\/workspace\/(\d+)\//.exec(c.req.path)?.[1])
        const ws = user.workspaces.find((w) => w.id === wid)
        if (!ws) return c.text('User does not have access to this resource.', 403)
        return `org:${user.id}:${ws.organizationId}`
      }),
    )

    app.post('/reports/api/v3/workspace/:wid/search/time_entries', (c) => this.searchEntries(c))

    app.get('/api/v9/workspaces/:wid/tags', (c) => {
      const user = c.get('user')
      const wid = Number(c.req.param('wid'))
      if (!user.workspaces.some((w) => w.id === wid)) {
        return c.text('User does not have access to this resource.', 403)
      }
      const names = [
        ...new Set(user.entries.filter((e) => e.workspaceId === wid).flatMap((e) => e.tags)),
      ]
      // Toggl answers null rather than [] for an empty list.
      if (names.length === 0) return c.json(null)
      return c.json(
        names.map((name) => ({
          id: this.tagId(wid, name),
          workspace_id: wid,
          name,
          at: togglTime(this.now()),
        })),
      )
    })

    app.get('/api/v9/me', (c) => {
      const user = c.get('user')
      const body: Record<string, unknown> = this.meJson(user)
      if (c.req.query('with_related_data') === 'true') {
        body.workspaces = user.workspaces.map((w) => this.workspaceJson(w))
        body.clients = user.clients.map((cl) => this.clientJson(cl))
        body.projects = sortProjects(user.projects).map((p) => this.projectJson(p))
        body.tags = []
        body.tasks = []
        body.time_entries = []
      }
      return c.json(body)
    })

    app.get('/api/v9/me/time_entries', (c) => this.listEntries(c))

    app.get('/api/v9/me/time_entries/current', (c) => {
      const running = c.get('user').entries.find((e) => e.stop === null && !e.serverDeletedAt)
      return c.json(running ? this.entryJson(c.get('user'), running, false) : null)
    })

    app.get('/api/v9/me/projects', (c) => {
      const all = c.req.query('include_archived') === 'true'
      const projects = c.get('user').projects.filter((p) => all || p.active)
      return c.json(sortProjects(projects).map((p) => this.projectJson(p)))
    })

    app.get('/api/v9/me/workspaces', (c) =>
      c.json(c.get('user').workspaces.map((w) => this.workspaceJson(w))),
    )

    app.get('/api/v9/me/clients', (c) =>
      c.json(c.get('user').clients.map((cl) => this.clientJson(cl))),
    )

    app.get('/api/v9/workspaces/:wid/projects', (c) => {
      const user = c.get('user')
      const wid = Number(c.req.param('wid'))
      if (!user.workspaces.some((w) => w.id === wid)) {
        return c.text('User does not have access to this resource.', 403)
      }
      const active = c.req.query('active') ?? 'true'
      if (!['true', 'false', 'both'].includes(active)) return c.json('invalid active', 400)
      const perPage = intParam(c.req.query('per_page'), 151)
      const page = intParam(c.req.query('page'), 1)
      if (perPage === null || perPage < 1 || page === null || page < 1) {
        return c.json('invalid pagination parameters', 400)
      }
      if (perPage > 200) return c.json('per_page cannot be greater than 200', 400)
      const projects = sortProjects(
        user.projects.filter(
          (p) => p.workspaceId === wid && (active === 'both' || String(p.active) === active),
        ),
      )
      const slice = projects.slice((page - 1) * perPage, page * perPage)
      return c.json(slice.map((p) => this.projectJson(p)))
    })
  }

  /**
   * The detailed report, ungrouped: one row per entry, filtered by the entry's start date in the
   * user's Toggl zone (end date inclusive), oldest first; a full page carries X-Next-ID,
   * X-Next-Row-Number and X-Next-Timestamp, sent back as first_id / first_row_number /
   * first_timestamp (https://engineering.toggl.com/docs/reports/detailed_reports).
   */
  private async searchEntries(c: Context<Env>): Promise<Response> {
    const user = c.get('user')
    const wid = Number(c.req.param('wid'))
    let body: Record<string, unknown>
    try {
      body = (await c.req.json()) as Record<string, unknown>
    } catch {
      return c.json('Invalid JSON body', 400)
    }
    if (typeof body !== 'object' || body === null) return c.json('Invalid JSON body', 400)
    const date = (v: unknown) =>
      typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
        ? DateTime.fromISO(v, { zone: user.timezone })
        : undefined
    const from = date(body.start_date)
    const to = date(body.end_date)
    if (!from?.isValid) return c.json('start_date is required (YYYY-MM-DD)', 400)
    if (!to?.isValid) return c.json('end_date is required (YYYY-MM-DD)', 400)
    if (to <= from) return c.json('end_date should be greater than start_date', 400)
    if (to.diff(from, 'days').days > REPORT_MAX_DAYS)
      return c.json(`Maximum allowed date range is ${REPORT_MAX_DAYS} days`, 400)
    const size = body.page_size ?? REPORT_PAGE_DEFAULT
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > REPORT_PAGE_MAX)
      return c.json('page_size is invalid', 400)
    const firstRow = body.first_row_number ?? 1
    if (typeof firstRow !== 'number' || !Number.isInteger(firstRow) || firstRow < 1)
      return c.json('first_row_number is invalid', 400)
    const lo = from.startOf('day').toMillis()
    const hi = to.plus({ days: 1 }).startOf('day').toMillis()
    const rows = user.entries
      .filter(
        (e) =>
          e.workspaceId === wid &&
          e.serverDeletedAt === null &&
          e.stop !== null &&
          e.start >= lo &&
          e.start < hi,
      )
      .sort((a, b) => a.start - b.start || a.id - b.id)
    const page = rows.slice(firstRow - 1, firstRow - 1 + size)
    if (page.length > 0 && body.first_id !== undefined && body.first_id !== page[0]!.id)
      return c.json('first_id does not match first_row_number', 400)
    const headers: Record<string, string> = {}
    const next = rows[firstRow - 1 + size]
    if (next) {
      headers['X-Next-ID'] = String(next.id)
      headers['X-Next-Row-Number'] = String(firstRow + size)
      headers['X-Next-Timestamp'] = String(Math.floor(next.start / 1000))
    }
    const json = page.map((e, i) => ({
      user_id: user.id,
      username: user.fullname,
      project_id: e.projectId,
      task_id: null,
      billable: false,
      description: e.description,
      tag_ids: e.tags.map((name) => this.tagId(wid, name)),
      billable_amount_in_cents: null,
      hourly_rate_in_cents: null,
      currency: 'USD',
      time_entries: [
        {
          id: e.id,
          seconds: Math.floor(e.stop! / 1000) - Math.floor(e.start / 1000),
          start: DateTime.fromMillis(e.start, { zone: user.timezone }).toISO({
            suppressMilliseconds: true,
          }),
          stop: DateTime.fromMillis(e.stop!, { zone: user.timezone }).toISO({
            suppressMilliseconds: true,
          }),
          at: new Date(e.at).toISOString(),
          at_tz: DateTime.fromMillis(e.at, { zone: user.timezone }).toISO(),
        },
      ],
      row_number: firstRow + i,
    }))
    return c.json(json, 200, headers)
  }

  private tagId(wid: number, name: string): number {
    const key = `${wid}:${name}`
    let id = this.tagIds.get(key)
    if (id === undefined) {
      id = this.nextTagId++
      this.tagIds.set(key, id)
    }
    return id
  }

  private listEntries(c: Context<Env>): Response {
    const user = c.get('user')
    const q = c.req.query()
    if (q.since !== undefined && q.before !== undefined) {
      return c.json("'since' and 'before' can not be present simultaneously", 400)
    }
    if ((q.start_date === undefined) !== (q.end_date === undefined)) {
      return c.json('start_date and end_date must be used together', 400)
    }
    let since: number | undefined
    if (q.since !== undefined) {
      if (!/^\d+$/.test(q.since)) return c.json('invalid since', 400)
      since = Number(q.since) * 1000
    }
    const before = q.before === undefined ? undefined : parseInstant(q.before)
    if (before === null) return c.json('invalid before', 400)
    let range: { from: number; to: number } | undefined
    if (q.start_date !== undefined && q.end_date !== undefined) {
      const from = parseInstant(q.start_date)
      if (from === null) return c.json('invalid start_date', 400)
      const to = parseInstant(q.end_date)
      if (to === null) return c.json('invalid end_date', 400)
      const floorDay = new Date(this.now() - LOOKBACK_DAYS * DAY_MS).toISOString().slice(0, 10)
      if (from < Date.parse(floorDay)) {
        return c.text(`start_date must not be earlier than ${floorDay}`, 400)
      }
      range = { from, to }
    }
    if (since === undefined && before === undefined && range === undefined) {
      range = { from: this.now() - DEFAULT_WINDOW_DAYS * DAY_MS, to: Infinity }
    }
    // Only `since` reveals deleted rows; every filter looks at the start alone, never at stop.
    const entries = user.entries
      .filter((e) => since !== undefined || e.serverDeletedAt === null)
      .filter((e) => since === undefined || e.at >= since)
      .filter((e) => before === undefined || e.start < before)
      .filter(
        (e) =>
          range === undefined ||
          (e.start >= range.from &&
            (e.start < range.to || (this.endDateInclusive && e.start === range.to))),
      )
      .sort((a, b) => b.start - a.start || b.id - a.id)
      .slice(0, ENTRY_CAP)
    const meta = q.meta === 'true'
    return c.json(entries.map((e) => this.entryJson(user, e, meta)))
  }

  private meJson(user: FakeTogglUser): Record<string, unknown> {
    return {
      id: user.id,
      api_token: user.token,
      email: user.email,
      fullname: user.fullname,
      timezone: user.timezone,
      toggl_accounts_id: `acc${user.id}`,
      default_workspace_id: user.defaultWorkspaceId,
      beginning_of_week: 1,
      image_url: 'https://assets.track.toggl.com/images/profile.png',
      created_at: new Date(user.createdAt).toISOString(),
      updated_at: new Date(user.createdAt).toISOString(),
      openid_email: null,
      openid_enabled: false,
      country_id: null,
      has_password: true,
      at: new Date(user.createdAt).toISOString(),
      intercom_hash: null,
      oauth_providers: [],
      authorization_updated_at: new Date(user.createdAt).toISOString(),
    }
  }

  private workspaceJson(w: FakeTogglWorkspace): Record<string, unknown> {
    return {
      id: w.id,
      organization_id: w.organizationId,
      name: w.name,
      premium: false,
      business_ws: false,
      admin: true,
      role: 'admin',
      suspended_at: null,
      server_deleted_at: null,
      default_hourly_rate: null,
      rate_last_updated: null,
      default_currency: 'USD',
      only_admins_may_create_projects: false,
      only_admins_may_create_tags: false,
      only_admins_see_billable_rates: false,
      only_admins_see_team_dashboard: false,
      projects_billable_by_default: true,
      projects_private_by_default: true,
      rounding: 0,
      rounding_minutes: 0,
      at: togglTime(w.at),
      logo_url: 'https://assets.track.toggl.com/images/workspace.jpg',
      hide_start_end_times: false,
      working_hours_in_minutes: null,
    }
  }

  private clientJson(cl: FakeTogglClient): Record<string, unknown> {
    return { id: cl.id, wid: cl.wid, archived: false, name: cl.name, at: togglTime(cl.at) }
  }

  private projectJson(p: FakeTogglProject): Record<string, unknown> {
    return {
      id: p.id,
      workspace_id: p.workspaceId,
      client_id: p.clientId,
      name: p.name,
      is_private: false,
      active: p.active,
      at: togglTime(p.at),
      created_at: togglTime(p.createdAt),
      server_deleted_at: null,
      color: p.color,
      billable: p.billable,
      template: null,
      auto_estimates: null,
      estimated_hours: null,
      estimated_seconds: null,
      rate: null,
      rate_last_updated: null,
      currency: null,
      recurring: false,
      template_id: null,
      recurring_parameters: null,
      fixed_fee: null,
      actual_hours: null,
      actual_seconds: null,
      tasks_count: null,
      can_track_time: true,
      start_date: new Date(p.createdAt).toISOString().slice(0, 10),
      status: p.active ? 'active' : 'archived',
      wid: p.workspaceId,
      cid: p.clientId,
      is_shared: false,
      pinned: false,
    }
  }

  private entryJson(
    user: FakeTogglUser,
    e: FakeTogglEntry,
    meta: boolean,
  ): Record<string, unknown> {
    const startSec = Math.floor(e.start / 1000)
    const body: Record<string, unknown> = {
      id: e.id,
      workspace_id: e.workspaceId,
      project_id: e.projectId,
      task_id: null,
      billable: false,
      start: togglTime(e.start),
      stop: e.stop === null ? null : togglTime(e.stop),
      // Running entries report -(start epoch seconds), as recorded from the live API.
      duration: e.stop === null ? -startSec : Math.floor(e.stop / 1000) - startSec,
      description: e.description,
      tags: [...e.tags],
      // Stable made-up ids per name: nothing in Timebridge reads them (names come with the entry).
      tag_ids: e.tags.map((t) => [...t].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1e7, 7)),
      duronly: true,
      at: new Date(e.at).toISOString(),
      server_deleted_at: e.serverDeletedAt === null ? null : togglTime(e.serverDeletedAt),
      user_id: user.id,
      uid: user.id,
      wid: e.workspaceId,
    }
    if (e.projectId !== null) body.pid = e.projectId
    if (meta) {
      const project = user.projects.find((p) => p.id === e.projectId)
      const client = user.clients.find((cl) => project && cl.id === project.clientId)
      body.project_name = project?.name ?? null
      body.project_color = project?.color ?? null
      body.project_active = project?.active ?? null
      body.project_billable = project?.billable ?? null
      body.client_name = client?.name ?? null
      body.user_name = user.fullname
      body.user_avatar_url = 'https://assets.track.toggl.com/images/profile.png'
    }
    return body
  }
}

function toMs(t: TimeInput): number {
  const ms = typeof t === 'number' ? t : Date.parse(t)
  if (!Number.isFinite(ms)) throw new Error(`FakeToggl: invalid time ${String(t)}`)
  return ms
}

/** Toggl's entry timestamps: UTC, second precision, "+00:00" suffix. */
function togglTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00')
}

// Strict on purpose: an unencoded "+" arrives as a space and real Toggl rejects it too.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/i

function parseInstant(s: string): number | null {
  if (!INSTANT_RE.test(s)) return null
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? ms : null
}

function intParam(s: string | undefined, fallback: number): number | null {
  if (s === undefined) return fallback
  return /^\d+$/.test(s) ? Number(s) : null
}

function sortProjects(projects: FakeTogglProject[]): FakeTogglProject[] {
  return [...projects].sort(
    (a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id - b.id,
  )
}
