/** In-memory Exist API v2 fake (ownership, writes, rate limit, fault injection) as a Hono app. */

import type { Context } from 'hono'
import { Hono } from 'hono'

const HOUR_MS = 3_600_000
const MAX_ITEMS = 35

export interface FakeExistGroup {
  name: string
  label: string
  priority: number
}

export interface FakeExistService {
  name: string
  label: string
}

export interface FakeAttribute {
  name: string
  label: string
  group: FakeExistGroup
  template: string | null
  value_type: number
  value_type_description: string
  /** the service that owns (and alone may write) the attribute */
  service: FakeExistService | null
  manual: boolean
  active: boolean
  priority: number
}

export interface FakeExistUser {
  token: string
  username: string
  timezone: string
  attributes: Map<string, FakeAttribute>
  /** attribute name → user-local date (YYYY-MM-DD) → value */
  values: Map<string, Map<string, number>>
  revoked: boolean
}

export interface FakeOAuthClient {
  clientId: string
  clientSecret: string
  /** shown on the consent page */
  name: string
  /** when given, redirect_uri must be one of these */
  redirectUris?: string[]
}

/** An OAuth access/refresh pair Exist issued to a client for a user. */
export interface FakeOAuthGrant {
  user: FakeExistUser
  clientId: string
  accessToken: string
  refreshToken: string
  scopes: string[]
  /** epoch ms */
  expiresAt: number
  /** the access token was revoked while the refresh token still works */
  accessRevoked: boolean
}

export interface FakeExistRequest {
  method: string
  path: string
  query: Record<string, string>
  /** status the server produced; for lost responses the client never saw it */
  status: number
  /** the fake's clock when the request came in (epoch ms) */
  at?: number
  body?: unknown
  user?: string
  lost?: 'drop' | 'gateway-timeout'
}

export interface FakeExistMatch {
  method?: string
  /** substring of the path */
  path?: string
}

export interface FakeExistOptions {
  /** epoch ms; defaults to Date.now */
  now?: () => number
  /** requests per token per clock hour; default 300 */
  ratePerHour?: number
  /** the client service using the fake; ownership is checked against it. Default 'timebridge' */
  serviceName?: string
  /** lifetime of OAuth access tokens in seconds; Exist's is 31535999 (a year) */
  tokenLifetimeSeconds?: number
  /** keep every request in `requests` (default true); the benchmark's thousands of users turn it off */
  log?: boolean
}

export interface FakeExistTemplate {
  name: string
  label: string
  group: string
  value_type: number
}

export const EXIST_GROUPS: Record<string, FakeExistGroup> = {
  activity: { name: 'activity', label: 'Activity', priority: 1 },
  productivity: { name: 'productivity', label: 'Productivity', priority: 2 },
  mood: { name: 'mood', label: 'Mood', priority: 3 },
  sleep: { name: 'sleep', label: 'Sleep', priority: 4 },
  events: { name: 'events', label: 'Events', priority: 5 },
  health: { name: 'health', label: 'Health', priority: 6 },
  media: { name: 'media', label: 'Media', priority: 7 },
  custom: { name: 'custom', label: 'Custom tracking', priority: 10 },
}

export const EXIST_TEMPLATES: readonly FakeExistTemplate[] = [
  { name: 'steps', label: 'Steps', group: 'activity', value_type: 0 },
  { name: 'steps_active_min', label: 'Active minutes', group: 'activity', value_type: 3 },
  { name: 'productive_min', label: 'Productive time', group: 'productivity', value_type: 3 },
  { name: 'neutral_min', label: 'Neutral time', group: 'productivity', value_type: 3 },
  { name: 'distracting_min', label: 'Distracting time', group: 'productivity', value_type: 3 },
  { name: 'pomodoros_min', label: 'Pomodoros', group: 'productivity', value_type: 3 },
  { name: 'mood', label: 'Mood', group: 'mood', value_type: 8 },
  { name: 'sleep', label: 'Time asleep', group: 'sleep', value_type: 3 },
  { name: 'events_duration', label: 'Time in events', group: 'events', value_type: 3 },
  { name: 'meditation_min', label: 'Meditation', group: 'health', value_type: 3 },
  { name: 'tv_min', label: 'Watching TV', group: 'media', value_type: 3 },
  { name: 'gaming_min', label: 'Time gaming', group: 'media', value_type: 3 },
  { name: 'movies_min', label: 'Watching movies', group: 'media', value_type: 3 },
  { name: 'mobile_screen_min', label: 'Phone screen time', group: 'media', value_type: 3 },
]

const VALUE_TYPES: Record<number, string> = {
  0: 'Integer',
  1: 'Decimal',
  2: 'String',
  3: 'Period',
  4: 'Time of day (minutes from midnight)',
  5: 'Percentage',
  6: 'Time of day (minutes from midday)',
  7: 'Boolean',
  8: 'Scale',
}
const INTEGER_TYPES = new Set([0, 3, 4, 6, 7, 8])
// Docs: increment works on integer, decimal and duration attributes only.
const INCREMENTABLE_TYPES = new Set([0, 1, 3])
const DURATION = 3

type Fault = { match: FakeExistMatch; remaining: number }
type ItemFault = {
  predicate: (item: { name: string; date?: string; value: unknown }) => boolean
  code: string
  error: string
  remaining: number
}
type Env = {
  Variables: { user: FakeExistUser; log: FakeExistRequest; scopes: string[] | undefined }
}

type AuthCode = {
  code: string
  clientId: string
  redirectUri: string | undefined
  scopes: string[]
  user: FakeExistUser
  expiresAt: number
}
type Item = Record<string, unknown>
type Outcome = { success: unknown[]; failed: unknown[] }

export class FakeExist {
  readonly app = new Hono<Env>()
  readonly requests: FakeExistRequest[] = []
  readonly users: FakeExistUser[] = []
  readonly service: FakeExistService
  readonly fetch = (req: Request, env?: unknown): Response | Promise<Response> =>
    this.app.fetch(req, env as object | undefined)

  private readonly now: () => number
  private readonly ratePerHour: number
  private readonly keepLog: boolean
  /** token → first user holding it (personal tokens), so authenticating stays O(1) with many users */
  private readonly byToken = new Map<string, FakeExistUser>()
  private readonly rate = new Map<string, { hour: number; used: number }>()
  private readonly failures: (Fault & {
    status: number
    headers: Record<string, string>
    body: string | undefined
  })[] = []
  private readonly losses: (Fault & { mode: 'drop' | 'gateway-timeout' })[] = []
  private readonly itemFaults: ItemFault[] = []
  private readonly clients: FakeOAuthClient[] = []
  private readonly codes = new Map<string, AuthCode>()
  readonly grants: FakeOAuthGrant[] = []
  private readonly tokenLifetimeSeconds: number
  private tokenCounter = 0

  constructor(opts: FakeExistOptions = {}) {
    this.now = opts.now ?? Date.now
    this.ratePerHour = opts.ratePerHour ?? 300
    this.keepLog = opts.log ?? true
    this.tokenLifetimeSeconds = opts.tokenLifetimeSeconds ?? 31_535_999
    const name = opts.serviceName ?? 'timebridge'
    this.service = { name, label: name.charAt(0).toUpperCase() + name.slice(1) }
    this.routes()
  }

  addUser(u: { token: string; username: string; timezone?: string }): FakeExistUser {
    const timezone = u.timezone ?? 'UTC'
    // Fail fast on a bad zone instead of inside a request handler.
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
    const user: FakeExistUser = {
      token: u.token,
      username: u.username,
      timezone,
      attributes: new Map(),
      values: new Map(),
      revoked: false,
    }
    this.users.push(user)
    if (!this.byToken.has(user.token)) this.byToken.set(user.token, user)
    return user
  }

  /** Creates or reshapes an attribute as if another service (or the user, owner null) set it up. */
  giveAttribute(
    user: FakeExistUser,
    name: string,
    opts: {
      owner?: FakeExistService | null
      label?: string
      value_type?: number
      group?: string | FakeExistGroup
      manual?: boolean
      active?: boolean
      priority?: number
    } = {},
  ): FakeAttribute {
    const tpl = EXIST_TEMPLATES.find((t) => t.name === name)
    const existing = user.attributes.get(name)
    const valueType = opts.value_type ?? existing?.value_type ?? tpl?.value_type ?? DURATION
    const group =
      typeof opts.group === 'object'
        ? opts.group
        : groupOf(opts.group ?? existing?.group.name ?? tpl?.group ?? 'custom')
    const service = opts.owner !== undefined ? opts.owner : (existing?.service ?? null)
    const attr: FakeAttribute = {
      name,
      label: opts.label ?? existing?.label ?? tpl?.label ?? name,
      group,
      template: tpl && tpl.value_type === valueType ? tpl.name : null,
      value_type: valueType,
      value_type_description: VALUE_TYPES[valueType] ?? 'Unknown',
      service,
      manual: opts.manual ?? existing?.manual ?? service === null,
      active: opts.active ?? true,
      priority: opts.priority ?? existing?.priority ?? this.nextPriority(user, group.name),
    }
    user.attributes.set(name, attr)
    return attr
  }

  stealAttribute(user: FakeExistUser, name: string, owner: FakeExistService | null): void {
    const attr = user.attributes.get(name)
    if (!attr) throw new Error(`FakeExist: user ${user.username} has no attribute ${name}`)
    attr.service = owner
    attr.active = true
  }

  value(user: FakeExistUser, attr: string, date: string): number {
    return user.values.get(attr)?.get(date) ?? 0
  }

  /** A manual edit in the Exist app: no ownership check. */
  setValue(user: FakeExistUser, attr: string, date: string, v: number): void {
    let days = user.values.get(attr)
    if (!days) {
      days = new Map()
      user.values.set(attr, days)
    }
    days.set(date, v)
  }

  /** Hands an attribute back to the client using the fake (as the user can on exist.io/account/attributes/). */
  giveBack(user: FakeExistUser, name: string): void {
    this.stealAttribute(user, name, this.service)
  }

  revoke(user: FakeExistUser): void {
    user.revoked = true
  }

  /** Registers an OAuth client (as on exist.io/account/apps/). */
  addOAuthClient(client: {
    clientId: string
    clientSecret: string
    name?: string
    redirectUris?: string[]
  }): FakeOAuthClient {
    const registered: FakeOAuthClient = { name: 'Test client', ...client }
    this.clients.push(registered)
    return registered
  }

  /** Live OAuth grants of a user (refreshed or replaced ones are gone). */
  grantsOf(user: FakeExistUser): FakeOAuthGrant[] {
    return this.grants.filter((g) => g.user === user)
  }

  /** The user's OAuth access tokens stop working; their refresh tokens still do. */
  revokeAccessTokens(user: FakeExistUser): void {
    for (const g of this.grantsOf(user)) g.accessRevoked = true
  }

  /** Every OAuth token of the user stops working (the user removed the app). */
  revokeGrants(user: FakeExistUser): void {
    for (let i = this.grants.length - 1; i >= 0; i--) {
      if (this.grants[i]!.user === user) this.grants.splice(i, 1)
    }
  }

  /** Answers `status` without applying anything (and without using rate-limit budget). */
  failNext(
    match: FakeExistMatch,
    res: { status: number; headers?: Record<string, string>; body?: string },
    times = 1,
  ): void {
    if (times > 0) {
      this.failures.push({
        match,
        remaining: times,
        status: res.status,
        headers: res.headers ?? {},
        body: res.body,
      })
    }
  }

  /** Applies the request, then loses the answer: the classic "did my increment land?" case. */
  loseNextResponse(
    match: FakeExistMatch,
    mode: 'drop' | 'gateway-timeout' = 'drop',
    times = 1,
  ): void {
    if (times > 0) this.losses.push({ match, remaining: times, mode })
  }

  failItems(
    predicate: (item: { name: string; date?: string; value: unknown }) => boolean,
    error_code = 'validation',
    error = 'Rejected by test',
    times = Infinity,
  ): { remove(): void } {
    const fault: ItemFault = { predicate, code: error_code, error, remaining: times }
    this.itemFaults.push(fault)
    return {
      remove: () => {
        const i = this.itemFaults.indexOf(fault)
        if (i >= 0) this.itemFaults.splice(i, 1)
      },
    }
  }

  /** Drops every queued failure, lost answer and item refusal. */
  clearFaults(): void {
    this.failures.length = 0
    this.losses.length = 0
    this.itemFaults.length = 0
  }

  resetLog(): void {
    this.requests.length = 0
  }

  writes(): FakeExistRequest[] {
    return this.requests.filter(
      (r) => r.method === 'POST' && /\/attributes\/(update|increment)\/$/.test(r.path),
    )
  }

  private nextPriority(user: FakeExistUser, group: string): number {
    let max = 0
    for (const a of user.attributes.values()) {
      if (a.group.name === group) max = Math.max(max, a.priority)
    }
    return max + 1
  }

  private owned(attr: FakeAttribute): boolean {
    return attr.service?.name === this.service.name
  }

  private take<T extends Fault>(list: T[], req: { method: string; path: string }): T | undefined {
    const i = list.findIndex(
      (f) =>
        (f.match.method === undefined || f.match.method.toUpperCase() === req.method) &&
        (f.match.path === undefined || req.path.includes(f.match.path)),
    )
    const fault = list[i]
    if (!fault) return undefined
    if (--fault.remaining <= 0) list.splice(i, 1)
    return fault
  }

  private consumeRate(token: string): { ok: boolean; retryAfter: number } {
    const now = this.now()
    const hour = Math.floor(now / HOUR_MS)
    let window = this.rate.get(token)
    if (!window || window.hour !== hour) {
      window = { hour, used: 0 }
      this.rate.set(token, window)
    }
    const retryAfter = Math.max(1, Math.ceil(((hour + 1) * HOUR_MS - now) / 1000))
    if (window.used >= this.ratePerHour) return { ok: false, retryAfter }
    window.used++
    return { ok: true, retryAfter }
  }

  private routes(): void {
    const app = this.app

    this.controlRoutes()

    app.use('*', async (c, next) => {
      const log: FakeExistRequest = {
        method: c.req.method,
        path: c.req.path,
        query: c.req.query(),
        status: 0,
        at: this.now(),
      }
      if (c.req.method === 'POST' && this.keepLog) {
        // Clone so handlers can still read the body.
        const text = await c.req.raw.clone().text()
        try {
          log.body = JSON.parse(text)
        } catch {
          log.body = text
        }
      }
      if (this.keepLog) this.requests.push(log)
      c.set('log', log)
      try {
        await next()
      } finally {
        if (log.lost === undefined) log.status = c.res.status
      }
    })

    this.oauthRoutes()

    app.use('/api/2/*', async (c, next) => {
      const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')
      const token = match?.[1]
      const grant = this.grants.find((g) => g.accessToken === token && !g.accessRevoked)
      if (grant && grant.expiresAt <= this.now()) {
        return c.json({ detail: 'Access token has expired.' }, 401)
      }
      const user = grant ? grant.user : token === undefined ? undefined : this.byToken.get(token)
      if (!user || user.revoked) return c.json({ detail: 'Invalid token.' }, 401)
      const log = c.get('log')
      log.user = user.username
      c.set('user', user)
      c.set('scopes', grant?.scopes)
      const req = { method: c.req.method, path: c.req.path }
      const failure = this.take(this.failures, req)
      if (failure) {
        return new Response(failure.body ?? null, {
          status: failure.status,
          headers: failure.headers,
        })
      }
      const rate = this.consumeRate(user.token)
      if (!rate.ok) return c.body(null, 429, { 'Retry-After': String(rate.retryAfter) })
      await next()
      const loss = this.take(this.losses, req)
      if (!loss) return
      log.status = c.res.status
      const env = c.env as { incoming?: { socket?: { destroy?: () => void } | null } } | undefined
      const socket = env?.incoming?.socket
      if (loss.mode === 'drop' && socket?.destroy) {
        log.lost = 'drop'
        socket.destroy()
        return
      }
      // Runtimes without socket access (workerd) fall back to what a proxy would say.
      log.lost = 'gateway-timeout'
      c.res = undefined
      c.res = c.html('<html><body><h1>504 Gateway Time-out</h1></body></html>', 504)
    })

    app.get('/api/2/accounts/profile/', (c) => {
      const user = c.get('user')
      const local = zoned(this.now(), user.timezone)
      return c.json({
        username: user.username,
        first_name: user.username,
        last_name: '',
        avatar: `https://exist.io/media/avatars/${user.username}.png`,
        timezone: user.timezone,
        local_time: local.iso,
        imperial_distance: false,
        imperial_weight: false,
        imperial_energy: false,
        imperial_liquid: false,
        imperial_temperature: false,
        trial: false,
        delinquent: false,
      })
    })

    app.get('/api/2/attributes/', (c) => this.listAttributes(c, c.req.query('owned') === 'true'))
    app.get('/api/2/attributes/owned/', (c) => this.listAttributes(c, true))

    app.get('/api/2/attributes/with-values/', (c) => {
      const user = c.get('user')
      const days = intParam(c.req.query('days'), 1)
      if (days === null || days < 1 || days > 31) {
        return c.json({ detail: 'days must be an integer between 1 and 31' }, 400)
      }
      const dateMax = c.req.query('date_max') ?? zoned(this.now(), user.timezone).date
      if (!isDate(dateMax)) return c.json({ detail: 'date_max must be YYYY-MM-DD' }, 400)
      const dates = Array.from({ length: days }, (_, i) => addDays(dateMax, -i))
      const attrs = this.filterAttributes(c, false).map((a) => ({
        ...attributeJson(a),
        values: dates.map((date) => ({ date, value: user.values.get(a.name)?.get(date) ?? null })),
      }))
      return paginate(c, attrs)
    })

    app.get('/api/2/attributes/values/', (c) => {
      const user = c.get('user')
      const name = c.req.query('attribute')
      if (!name) return c.json({ detail: "Missing parameter 'attribute'" }, 400)
      if (!user.attributes.has(name)) return c.json({ detail: 'Not found.' }, 404)
      const dateMax = c.req.query('date_max') ?? zoned(this.now(), user.timezone).date
      if (!isDate(dateMax)) return c.json({ detail: 'date_max must be YYYY-MM-DD' }, 400)
      const stored = [...(user.values.get(name)?.keys() ?? [])].filter((d) => d <= dateMax).sort()
      // Every day is listed (null when empty) back to the oldest stored value.
      const span = stored[0] ? daysBetween(stored[0], dateMax) + 1 : 1
      const values = Array.from({ length: span }, (_, i) => {
        const date = addDays(dateMax, -i)
        return { date, value: user.values.get(name)?.get(date) ?? null }
      })
      return paginate(c, values)
    })

    app.get('/api/2/attributes/templates/', (c) => {
      const groups = csv(c.req.query('groups'))
      const templates = EXIST_TEMPLATES.filter((t) => !groups || groups.includes(t.group)).map(
        (t, i) => ({
          name: t.name,
          label: t.label,
          group: groupOf(t.group),
          priority: i + 1,
          value_type: t.value_type,
          value_type_description: VALUE_TYPES[t.value_type] ?? 'Unknown',
        }),
      )
      return paginate(c, templates)
    })

    app.post('/api/2/attributes/acquire/', async (c) => {
      const items = await readItems(c)
      if (items instanceof Response) return items
      return this.batch(
        c,
        items.map((item, i) => this.acquire(c.get('user'), item, i)),
      )
    })

    // POST /api/2/attributes/create/ (docs/reference/creating_attributes.md): {label, group, value_type,
    // manual (default true)} per item; the name is a slug of the label; an existing one fails `exists`.
    app.post('/api/2/attributes/create/', async (c) => {
      const items = await readItems(c)
      if (items instanceof Response) return items
      return this.batch(
        c,
        items.map((item, i) => this.create(c.get('user'), item, i)),
      )
    })

    app.post('/api/2/attributes/release/', async (c) => {
      const items = await readItems(c)
      if (items instanceof Response) return items
      return this.batch(
        c,
        items.map((item, i) => this.release(c.get('user'), item, i)),
      )
    })

    app.post('/api/2/attributes/update/', async (c) => {
      const items = await readItems(c)
      if (items instanceof Response) return items
      return this.batch(
        c,
        items.map((item, i) => this.write(c.get('user'), item, i, 'update')),
      )
    })

    app.post('/api/2/attributes/increment/', async (c) => {
      const items = await readItems(c)
      if (items instanceof Response) return items
      return this.batch(
        c,
        items.map((item, i) => this.write(c.get('user'), item, i, 'increment')),
      )
    })

    app.notFound((c) => c.json({ detail: 'Not found.' }, 404))
  }

  /**
   * The test's (and demo's) hands on the account, over HTTP for a fake in another process: a hand edit
   * in the Exist app, or the user giving an attribute to another service or back to this client.
   * Not part of Exist's API, not logged in `requests`, not rate-limited.
   */
  private controlRoutes(): void {
    const app = this.app
    const userOf = (c: Context<Env>) =>
      this.users.find((u) => u.username === c.req.param('username'))
    const body = async (c: Context<Env>): Promise<Record<string, unknown> | null> => {
      try {
        const parsed: unknown = await c.req.json()
        return parsed !== null && typeof parsed === 'object'
          ? (parsed as Record<string, unknown>)
          : null
      } catch {
        return null
      }
    }
    app.post('/_control/users/:username/values', async (c) => {
      const user = userOf(c)
      const b = await body(c)
      if (!user) return c.json({ detail: 'No such user' }, 404)
      const { attribute, date, value } = b ?? {}
      if (
        typeof attribute !== 'string' ||
        typeof date !== 'string' ||
        !isDate(date) ||
        typeof value !== 'number'
      ) {
        return c.json(
          { detail: 'Expected {"attribute", "date": "YYYY-MM-DD", "value": number}' },
          400,
        )
      }
      if (!user.attributes.has(attribute)) return c.json({ detail: 'No such attribute' }, 404)
      this.setValue(user, attribute, date, value)
      return c.json({ attribute, date, value })
    })
    app.post('/_control/users/:username/owner', async (c) => {
      const user = userOf(c)
      const b = await body(c)
      if (!user) return c.json({ detail: 'No such user' }, 404)
      const attribute = b?.attribute
      const owner = b?.owner
      if (typeof attribute !== 'string' || !user.attributes.has(attribute)) {
        return c.json({ detail: 'No such attribute' }, 404)
      }
      if (owner === 'self') this.giveBack(user, attribute)
      else if (owner === null) this.stealAttribute(user, attribute, null)
      else if (
        owner !== null &&
        typeof owner === 'object' &&
        typeof (owner as FakeExistService).name === 'string' &&
        typeof (owner as FakeExistService).label === 'string'
      ) {
        const o = owner as FakeExistService
        this.stealAttribute(user, attribute, { name: o.name, label: o.label })
      } else {
        return c.json({ detail: 'owner must be "self", null or {"name", "label"}' }, 400)
      }
      return c.json({ attribute, service: user.attributes.get(attribute)!.service })
    })
  }

  private oauthRoutes(): void {
    const app = this.app

    // The consent page Exist shows a signed-in user; here the Exist account is picked on the page.
    app.get('/oauth2/authorize', (c) => {
      const q = c.req.query()
      const client = this.clients.find((cl) => cl.clientId === q.client_id)
      if (!client) return c.html(consentError('Unknown client_id'), 400)
      if (q.response_type !== 'code') return c.html(consentError('response_type must be code'), 400)
      if (q.redirect_uri && client.redirectUris && !client.redirectUris.includes(q.redirect_uri)) {
        return c.html(consentError('redirect_uri does not match the client'), 400)
      }
      if (!q.redirect_uri && !client.redirectUris?.[0])
        return c.html(consentError('redirect_uri missing'), 400)
      const scopes = (q.scope ?? '').split(/[\s+]+/).filter(Boolean)
      const unknown = scopes.filter((sc) => !/^[a-z]+_(read|write)$/.test(sc))
      if (scopes.length === 0 || unknown.length)
        return c.html(consentError(`Invalid scope: ${unknown.join(' ') || '(none)'}`), 400)
      return c.html(
        consentPage(
          client,
          this.users.map((u) => u.username),
          q,
        ),
      )
    })

    app.post('/oauth2/authorize', async (c) => {
      const form = await c.req.parseBody()
      const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '')
      const client = this.clients.find((cl) => cl.clientId === field('client_id'))
      if (!client) return c.html(consentError('Unknown client_id'), 400)
      const redirect = field('redirect_uri') || client.redirectUris?.[0]
      if (!redirect || (client.redirectUris && !client.redirectUris.includes(redirect))) {
        return c.html(consentError('redirect_uri does not match the client'), 400)
      }
      const back = new URL(redirect)
      if (field('state')) back.searchParams.set('state', field('state'))
      if (field('decision') !== 'allow') {
        back.searchParams.set('error', 'access_denied')
        return c.redirect(back.toString(), 302)
      }
      const user = this.users.find((u) => u.username === field('username'))
      if (!user) return c.html(consentError('Unknown Exist account'), 400)
      const code = `code-${++this.tokenCounter}-${randomHex(8)}`
      this.codes.set(code, {
        code,
        clientId: client.clientId,
        redirectUri: field('redirect_uri') || undefined,
        scopes: field('scope').split(/\s+/).filter(Boolean),
        user,
        expiresAt: this.now() + 10 * 60_000,
      })
      back.searchParams.set('code', code)
      return c.redirect(back.toString(), 302)
    })

    app.post('/oauth2/access_token', async (c) => {
      const type = c.req.header('Content-Type') ?? ''
      if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
        return c.json(
          { error: 'invalid_request', error_description: 'form-encoded body expected' },
          400,
        )
      }
      const form = new URLSearchParams(await c.req.text())
      const client = this.clients.find(
        (cl) =>
          cl.clientId === form.get('client_id') && cl.clientSecret === form.get('client_secret'),
      )
      if (!client) return c.json({ error: 'invalid_client' }, 401)
      const grantType = form.get('grant_type')
      if (grantType === 'authorization_code') {
        const code = this.codes.get(form.get('code') ?? '')
        // A code is single-use, bound to its client and to the redirect_uri it was issued for.
        if (code) this.codes.delete(code.code)
        if (
          !code ||
          code.clientId !== client.clientId ||
          code.expiresAt <= this.now() ||
          (code.redirectUri !== undefined && code.redirectUri !== form.get('redirect_uri'))
        ) {
          return c.json({ error: 'invalid_grant' }, 400)
        }
        return c.json(this.issue(code.user, client.clientId, code.scopes))
      }
      if (grantType === 'refresh_token') {
        const i = this.grants.findIndex(
          (g) => g.refreshToken === form.get('refresh_token') && g.clientId === client.clientId,
        )
        const old = this.grants[i]
        if (!old) return c.json({ error: 'invalid_grant' }, 400)
        // Refreshing invalidates both the old access token and the old refresh token.
        this.grants.splice(i, 1)
        return c.json(this.issue(old.user, client.clientId, old.scopes))
      }
      return c.json({ error: 'unsupported_grant_type' }, 400)
    })
  }

  private issue(user: FakeExistUser, clientId: string, scopes: string[]): Record<string, unknown> {
    const n = ++this.tokenCounter
    const grant: FakeOAuthGrant = {
      user,
      clientId,
      accessToken: `access-${n}-${randomHex(16)}`,
      refreshToken: `refresh-${n}-${randomHex(16)}`,
      scopes,
      expiresAt: this.now() + this.tokenLifetimeSeconds * 1000,
      accessRevoked: false,
    }
    this.grants.push(grant)
    return {
      access_token: grant.accessToken,
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      refresh_token: grant.refreshToken,
      scope: scopes.join(' '),
    }
  }

  private filterAttributes(c: Context<Env>, ownedOnly: boolean): FakeAttribute[] {
    const q = c.req.query()
    const groups = csv(q.groups)
    const names = csv(q.attributes)
    const templates = csv(q.templates)
    const inactive = q.include_inactive === 'true'
    // OAuth tokens read only the groups they have a read scope for (an empty list, not an error).
    const scopes = c.get('scopes')
    return [...c.get('user').attributes.values()]
      .filter((a) => !scopes || scopes.includes(`${a.group.name}_read`))
      .filter((a) => inactive || a.active)
      .filter((a) => !ownedOnly || this.owned(a))
      .filter((a) => !groups || groups.includes(a.group.name))
      .filter((a) => !names || names.includes(a.name))
      .filter((a) => !templates || (a.template !== null && templates.includes(a.template)))
      .filter((a) => q.manual === undefined || String(a.manual) === q.manual)
      .filter((a) => q.exclude_custom !== 'true' || a.template !== null)
      .sort((a, b) => a.group.priority - b.group.priority || a.priority - b.priority)
  }

  private listAttributes(c: Context<Env>, ownedOnly: boolean): Response {
    // Docs: `include_low_priority` — "set to true to include attributes with a priority > 10".
    const low = c.req.query('include_low_priority') === 'true'
    const attrs = this.filterAttributes(c, ownedOnly)
      .filter((a) => low || a.priority <= 10)
      .map((a) => ({
        ...attributeJson(a),
        available_services: [],
      }))
    return paginate(c, attrs)
  }

  private batch(c: Context<Env>, outcomes: ({ ok: unknown } | { fail: unknown })[]): Response {
    const body: Outcome = { success: [], failed: [] }
    for (const o of outcomes) {
      if ('ok' in o) body.success.push(o.ok)
      else body.failed.push(o.fail)
    }
    return c.json(body, body.failed.length ? 202 : 200)
  }

  private acquire(user: FakeExistUser, item: Item, i: number): { ok: unknown } | { fail: unknown } {
    const template = typeof item.template === 'string' ? item.template : undefined
    const name = typeof item.name === 'string' ? item.name : undefined
    const manual = typeof item.manual === 'boolean' ? item.manual : undefined
    if (template === undefined && name === undefined) {
      return fail(item, 'missing_field', `Object at index ${i} missing field(s) 'name'`)
    }
    let attr: FakeAttribute | undefined
    if (template !== undefined) {
      attr = user.attributes.get(template)
      if (!attr) {
        if (!EXIST_TEMPLATES.some((t) => t.name === template)) {
          return {
            fail: { template, error_code: 'not_found', error: `Template '${template}' not found` },
          }
        }
        // Acquiring a template the user lacks creates it; manual defaults to true as on create.
        attr = this.giveAttribute(user, template, { owner: this.service, manual: manual ?? true })
      }
    } else if (name !== undefined) {
      attr = user.attributes.get(name)
      if (!attr)
        return { fail: { name, error_code: 'not_found', error: `Attribute '${name}' not found` } }
    }
    if (!attr) return fail(item, 'not_found', 'Not found')
    // Ownership moves silently, whoever had it before.
    attr.service = this.service
    attr.active = true
    if (manual !== undefined) attr.manual = manual
    return { ok: { name: attr.name, active: true } }
  }

  private create(user: FakeExistUser, item: Item, i: number): { ok: unknown } | { fail: unknown } {
    const { label, group, value_type: valueType, manual } = item as Record<string, unknown>
    if (typeof label !== 'string' || typeof group !== 'string' || typeof valueType !== 'number') {
      return fail(
        item,
        'missing_field',
        `Object at index ${i} missing field(s) 'label', 'group' or 'value_type'`,
      )
    }
    if (!(group in EXIST_GROUPS)) return fail(item, 'not_found', `Group '${group}' not found`)
    const name = label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
    if (!name) return fail(item, 'invalid', 'Label is empty')
    if (user.attributes.has(name))
      return { fail: { name, error_code: 'exists', error: `Attribute '${name}' already exists` } }
    const attr = this.giveAttribute(user, name, {
      owner: this.service,
      label,
      value_type: valueType,
      group,
      manual: typeof manual === 'boolean' ? manual : true,
    })
    return {
      ok: {
        name: attr.name,
        label: attr.label,
        group: { ...attr.group },
        value_type: attr.value_type,
        manual: attr.manual,
        active: true,
      },
    }
  }

  private release(user: FakeExistUser, item: Item, i: number): { ok: unknown } | { fail: unknown } {
    if (typeof item.name !== 'string') {
      return fail(item, 'missing_field', `Object at index ${i} missing field(s) 'name'`)
    }
    const attr = user.attributes.get(item.name)
    if (!attr) {
      return fail(item, 'not_found', `Attribute '${item.name}' not found`)
    }
    if (!this.owned(attr)) {
      return fail(
        { name: item.name },
        'unauthorised',
        `Attribute '${item.name}' does not belong to this service`,
      )
    }
    // No other connected service is modelled, so the attribute goes inactive as the docs describe.
    attr.service = null
    attr.active = false
    return { ok: { name: attr.name } }
  }

  private write(
    user: FakeExistUser,
    item: Item,
    i: number,
    kind: 'update' | 'increment',
  ): { ok: unknown } | { fail: unknown } {
    const required = kind === 'update' ? ['name', 'date', 'value'] : ['name', 'value']
    const missing = required.filter((f) => item[f] === undefined)
    if (missing.length) {
      const list = missing.map((f) => `'${f}'`).join(', ')
      return fail(item, 'missing_field', `Object at index ${i} missing field(s) ${list}`)
    }
    const name = String(item.name)
    const value = item.value
    const date = typeof item.date === 'string' ? item.date : zoned(this.now(), user.timezone).date
    const echo = { name, date, value }
    if (!isDate(date)) return fail(echo, 'validation', `Invalid date '${String(item.date)}'`)
    const attr = user.attributes.get(name)
    if (!attr) return fail(echo, 'not_found', `Attribute '${name}' not found`)
    if (!this.owned(attr)) {
      return fail(echo, 'unauthorised', `Attribute '${name}' does not belong to this service`)
    }
    const type = attr.value_type
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return fail(echo, 'validation', `Value for '${name}' must be a number`)
    }
    if (INTEGER_TYPES.has(type) && !Number.isInteger(value)) {
      return fail(echo, 'validation', 'Cannot apply a float to an integer type')
    }
    if (kind === 'increment') {
      if (!INCREMENTABLE_TYPES.has(type)) {
        return fail(echo, 'validation', 'Cannot increment this attribute type')
      }
      // Reported by Exist Integrations for duration attributes; the docs are silent.
      if (type === DURATION && value < 0) {
        return fail(echo, 'validation', 'Negative increments are not allowed for this attribute')
      }
    } else {
      const range = rangeError(type, value)
      if (range) return fail(echo, 'validation', range)
    }
    const rejected = this.itemFaults.find(
      (f) => f.remaining > 0 && f.predicate({ name, date, value }),
    )
    if (rejected) {
      if (--rejected.remaining <= 0) this.itemFaults.splice(this.itemFaults.indexOf(rejected), 1)
      return fail(echo, rejected.code, rejected.error)
    }
    if (kind === 'update') {
      this.setValue(user, name, date, value)
      return { ok: echo }
    }
    const current = this.value(user, name, date) + value
    this.setValue(user, name, date, current)
    return { ok: { ...echo, current } }
  }
}

function fail(
  item: Item | { name: string; date?: string; value?: unknown },
  error_code: string,
  error: string,
): { fail: unknown } {
  const echo: Record<string, unknown> = {}
  for (const k of ['name', 'template', 'date', 'value']) {
    const v = (item as Record<string, unknown>)[k]
    if (v !== undefined) echo[k] = v
  }
  return { fail: { ...echo, error_code, error } }
}

function rangeError(type: number, value: number): string | undefined {
  if (type === DURATION && value < 0) return 'Value must not be negative'
  if (type === 5 && (value < 0 || value > 1)) return 'Percentage must be between 0.0 and 1.0'
  if (type === 7 && value !== 0 && value !== 1) return 'Boolean value must be 0 or 1'
  if (type === 8 && (value < 1 || value > 9)) return 'Scale value must be between 1 and 9'
  if ((type === 4 || type === 6) && (value < 0 || value >= 1440)) return 'Time of day out of range'
  if (type === 2) return 'String attributes are not supported by this fake'
  return undefined
}

async function readItems(c: Context<Env>): Promise<Item[] | Response> {
  const type = c.req.header('Content-Type') ?? ''
  if (!/^application\/json\b/i.test(type)) {
    return c.json({ detail: `Unsupported media type "${type}" in request.` }, 415)
  }
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch (err) {
    return c.json({ detail: `JSON parse error - ${(err as Error).message}` }, 400)
  }
  if (!Array.isArray(body)) return c.json({ detail: 'Expected a list of objects.' }, 400)
  if (body.length > MAX_ITEMS) {
    return c.json({ detail: `Too many objects: at most ${MAX_ITEMS} per request.` }, 400)
  }
  return body.map((x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : {}))
}

/** DRF-style page-number pagination with absolute next/previous links. */
function paginate<T>(c: Context<Env>, items: T[]): Response {
  const page = intParam(c.req.query('page'), 1)
  const limit = Math.min(100, Math.max(1, intParam(c.req.query('limit'), 20) ?? 20))
  const pages = Math.max(1, Math.ceil(items.length / limit))
  if (page === null || page < 1 || page > pages) return c.json({ detail: 'Invalid page.' }, 404)
  const link = (p: number): string => {
    const url = new URL(c.req.url)
    if (p === 1) url.searchParams.delete('page')
    else url.searchParams.set('page', String(p))
    return url.toString()
  }
  return c.json({
    count: items.length,
    next: page < pages ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results: items.slice((page - 1) * limit, page * limit),
  })
}

function attributeJson(a: FakeAttribute): Record<string, unknown> {
  return {
    group: { ...a.group },
    template: a.template,
    name: a.name,
    label: a.label,
    priority: a.priority,
    manual: a.manual,
    active: a.active,
    value_type: a.value_type,
    value_type_description: a.value_type_description,
    service: a.service ? { ...a.service } : null,
  }
}

function groupOf(name: string): FakeExistGroup {
  return (
    EXIST_GROUPS[name] ?? {
      name,
      label: name.charAt(0).toUpperCase() + name.slice(1),
      priority: 99,
    }
  )
}

function csv(s: string | undefined): string[] | undefined {
  if (s === undefined || s === '') return undefined
  return s.split(',').map((x) => x.trim())
}

function intParam(s: string | undefined, fallback: number): number | null {
  if (s === undefined || s === '') return fallback
  return /^\d+$/.test(s) ? Number(s) : null
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const ms = Date.parse(s)
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === s
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(date) + n * 86_400_000).toISOString().slice(0, 10)
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000)
}

/** Wall-clock date and ISO time with offset of an instant in an IANA zone. */
function zoned(ms: number, timeZone: string): { date: string; iso: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms))
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00'
  const [y, mo, d, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map(get)
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000)
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const frac = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  const date = `${y}-${mo}-${d}`
  const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  return { date, iso: `${date}T${h}:${mi}:${s}.${frac}${offset}` }
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('')
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

function consentError(message: string): string {
  return `<!doctype html><html><head><title>Exist (fake)</title></head><body><h1>Authorisation error</h1><p>${escapeHtml(message)}</p></body></html>`
}

/** The fake's "Allow access" page: the scopes asked for, the account, Allow and Deny. */
function consentPage(
  client: FakeOAuthClient,
  usernames: string[],
  q: Record<string, string>,
): string {
  const hidden = ['client_id', 'redirect_uri', 'scope', 'state']
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q[k] ?? '')}">`)
    .join('')
  const scopes = (q.scope ?? '').split(/[\s+]+/).filter(Boolean)
  const account =
    usernames.length === 1
      ? `<p>Signed in to Exist as <strong>${escapeHtml(usernames[0]!)}</strong>.</p><input type="hidden" name="username" value="${escapeHtml(usernames[0]!)}">`
      : `<p><label>Exist account <select name="username">${usernames
          .map((u) => `<option value="${escapeHtml(u)}">${escapeHtml(u)}</option>`)
          .join('')}</select></label></p>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>Authorise ${escapeHtml(client.name)} — Exist (local fake)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
.note{background:#fff6d6;padding:.5rem .75rem;border-radius:6px}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #888;margin-right:.5rem}
button[value=allow]{background:#1f7a4d;color:#fff;border-color:#1f7a4d}</style></head>
<body><p class="note">This is the local fake of exist.io used by the Timebridge demo and tests.</p>
<h1>Allow ${escapeHtml(client.name)} to use your Exist account?</h1>
<form method="post" action="/oauth2/authorize">${hidden}${account}
<p>It asks for:</p><ul>${scopes.map((sc) => `<li>${escapeHtml(sc)}</li>`).join('')}</ul>
<p><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></p>
</form></body></html>`
}
