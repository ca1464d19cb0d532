/** In-memory Clockify API v1 fake (X-Api-Key, regions, pagination with Last-Page, per-workspace hourly limit) as a Hono app. */
import { Hono } from 'hono'

const HOUR_MS = 3_600_000

export type FakeClockifyRegion = 'global' | 'euc1' | 'use2' | 'euw2' | 'apse2'

export interface FakeClockifyProject {
  id: string
  workspaceId: string
  name: string
  clientName: string
  color: string
  archived: boolean
}

export interface FakeClockifyEntry {
  id: string
  workspaceId: string
  projectId: string | null
  type: 'REGULAR' | 'BREAK' | 'HOLIDAY' | 'TIME_OFF'
  /** epoch ms */
  start: number
  /** epoch ms; null while running */
  end: number | null
  description: string
  tagIds: string[]
}

export interface FakeClockifyUser {
  id: string
  key: string
  name: string
  email: string
  region: FakeClockifyRegion
  timeZone: string
  workspaces: { id: string; name: string }[]
  projects: FakeClockifyProject[]
  entries: FakeClockifyEntry[]
  /** Workspace tags; entries refer to them by id. */
  tags: { id: string; name: string; workspaceId: string }[]
  revoked: boolean
}

export interface FakeClockifyRequest {
  method: string
  path: string
  query: Record<string, string>
  status: number
  /** the fake's clock when the request came in (epoch ms) */
  at?: number
  host: string
  userId?: string
}

type Env = { Variables: { user: FakeClockifyUser; log: FakeClockifyRequest } }

let seq = 0
const objectId = () => (0x5f0000000000 + ++seq).toString(16).padStart(24, '0')

export class FakeClockify {
  readonly app = new Hono<Env>()
  readonly users: FakeClockifyUser[] = []
  readonly requests: FakeClockifyRequest[] = []
  readonly fetch = (req: Request, env?: unknown): Response | Promise<Response> =>
    this.app.fetch(req, env as object | undefined)
  private readonly now: () => number
  private readonly perWorkspaceHour: number
  private readonly usage = new Map<string, { hour: number; used: number }>()
  private readonly faults: {
    remaining: number
    status: number
    body: unknown
    headers: Record<string, string>
  }[] = []

  /** Answer time entries in the hydrated shape even when not asked (`hydrated=true` is honoured either way). */
  alwaysHydrated: boolean

  /** `perWorkspaceHour`: requests per workspace per clock hour (the free plan allows 30). */
  constructor(
    opts: { now?: () => number; perWorkspaceHour?: number; alwaysHydrated?: boolean } = {},
  ) {
    this.now = opts.now ?? Date.now
    this.perWorkspaceHour = opts.perWorkspaceHour ?? 30
    this.alwaysHydrated = opts.alwaysHydrated ?? false
    this.routes()
  }

  addUser(u: {
    key: string
    name?: string
    region?: FakeClockifyRegion
    timeZone?: string
  }): FakeClockifyUser {
    const user: FakeClockifyUser = {
      id: objectId(),
      key: u.key,
      name: u.name ?? 'Clockify User',
      email: `${(u.name ?? 'user').toLowerCase().replace(/\W+/g, '.')}@example.com`,
      region: u.region ?? 'global',
      timeZone: u.timeZone ?? 'UTC',
      workspaces: [],
      projects: [],
      entries: [],
      tags: [],
      revoked: false,
    }
    this.users.push(user)
    this.addWorkspace(user, `${user.name}'s workspace`)
    return user
  }

  addWorkspace(user: FakeClockifyUser, name: string): string {
    const id = objectId()
    user.workspaces.push({ id, name })
    return id
  }

  addProject(
    user: FakeClockifyUser,
    p: {
      name: string
      workspaceId?: string
      clientName?: string
      color?: string
      archived?: boolean
    },
  ) {
    const project: FakeClockifyProject = {
      id: objectId(),
      workspaceId: p.workspaceId ?? user.workspaces[0]!.id,
      name: p.name,
      clientName: p.clientName ?? '',
      color: p.color ?? '#03A9F4',
      archived: p.archived ?? false,
    }
    user.projects.push(project)
    return project
  }

  addEntry(
    user: FakeClockifyUser,
    e: {
      projectId: string | null
      start: string | number
      end: string | number | null
      type?: FakeClockifyEntry['type']
      workspaceId?: string
      description?: string
      /** Tag names: created in the entry's workspace when new. */
      tags?: string[]
    },
  ): FakeClockifyEntry {
    const project = user.projects.find((p) => p.id === e.projectId)
    const workspaceId = e.workspaceId ?? project?.workspaceId ?? user.workspaces[0]!.id
    const entry: FakeClockifyEntry = {
      id: objectId(),
      workspaceId: e.workspaceId ?? project?.workspaceId ?? user.workspaces[0]!.id,
      projectId: e.projectId,
      type: e.type ?? 'REGULAR',
      start: typeof e.start === 'number' ? e.start : Date.parse(e.start),
      end: e.end === null ? null : typeof e.end === 'number' ? e.end : Date.parse(e.end),
      description: e.description ?? '',
      tagIds: (e.tags ?? []).map((name) => this.tagId(user, workspaceId, name)),
    }
    user.entries.push(entry)
    return entry
  }

  /** The id of a workspace tag, created when new. */
  tagId(user: FakeClockifyUser, workspaceId: string, name: string): string {
    let tag = user.tags.find((t) => t.workspaceId === workspaceId && t.name === name)
    if (!tag) {
      tag = { id: objectId(), name, workspaceId }
      user.tags.push(tag)
    }
    return tag.id
  }

  editEntry(
    user: FakeClockifyUser,
    id: string,
    patch: { projectId?: string | null; start?: string | number; end?: string | number | null },
  ) {
    const entry = user.entries.find((e) => e.id === id)
    if (!entry) throw new Error(`FakeClockify: unknown entry ${id}`)
    if (patch.projectId !== undefined) entry.projectId = patch.projectId
    if (patch.start !== undefined)
      entry.start = typeof patch.start === 'number' ? patch.start : Date.parse(patch.start)
    if (patch.end !== undefined)
      entry.end =
        patch.end === null
          ? null
          : typeof patch.end === 'number'
            ? patch.end
            : Date.parse(patch.end)
  }

  /** Clockify deletes entries outright: they simply vanish from lists. */
  deleteEntry(user: FakeClockifyUser, id: string) {
    user.entries = user.entries.filter((e) => e.id !== id)
  }

  revoke(user: FakeClockifyUser) {
    user.revoked = true
  }

  /** The next n authenticated requests answer `status` (e.g. 429, 500). */
  failNext(
    n: number,
    status: number,
    body: unknown = { message: 'Too many requests', code: 429 },
    headers: Record<string, string> = {},
  ) {
    this.faults.push({ remaining: n, status, body, headers })
  }

  /** Forgets failures queued with failNext that no request used. */
  clearFaults() {
    this.faults.length = 0
  }

  resetLog() {
    this.requests.length = 0
  }

  private routes() {
    const app = this.app
    app.use('*', async (c, next) => {
      const host = c.req.header('X-Forwarded-Host') ?? new URL(c.req.url).host
      const log: FakeClockifyRequest = {
        method: c.req.method,
        path: c.req.path,
        query: c.req.query(),
        status: 0,
        at: this.now(),
        host,
      }
      this.requests.push(log)
      c.set('log', log)
      await next()
      log.status = c.res.status
    })

    app.use('/api/v1/*', async (c, next) => {
      const key = c.req.header('X-Api-Key')
      const host = c.get('log').host
      const region = (/^(euc1|use2|euw2|apse2)\.clockify\.me$/.exec(host)?.[1] ??
        'global') as FakeClockifyRegion
      // A key works only against its own region's host.
      const user = this.users.find((u) => u.key === key && !u.revoked && u.region === region)
      if (!user)
        return c.json(
          { message: 'Full authentication is required to access this resource', code: 1000 },
          401,
        )
      c.set('user', user)
      c.get('log').userId = user.id
      const fault = this.faults[0]
      if (fault) {
        if (--fault.remaining <= 0) this.faults.shift()
        return c.json(fault.body as object, fault.status as 429, fault.headers)
      }
      const ws = /^\/api\/v1\/workspaces\/([^/]+)/.exec(c.req.path)?.[1]
      if (ws) {
        if (!user.workspaces.some((w) => w.id === ws))
          return c.json({ message: 'Access denied', code: 403 }, 403)
        const hour = Math.floor(this.now() / HOUR_MS)
        const u = this.usage.get(ws)
        const counter = u && u.hour === hour ? u : { hour, used: 0 }
        this.usage.set(ws, counter)
        if (++counter.used > this.perWorkspaceHour)
          return c.json({ message: 'Too many requests', code: 429 }, 429)
      }
      await next()
    })

    app.get('/api/v1/user', (c) => {
      const u = c.get('user')
      return c.json({
        id: u.id,
        email: u.email,
        name: u.name,
        activeWorkspace: u.workspaces[0]!.id,
        defaultWorkspace: u.workspaces[0]!.id,
        memberships: [],
        customFields: [],
        profilePicture: 'https://img.clockify.me/no-user-image.png',
        settings: {
          timeZone: u.timeZone,
          weekStart: 'MONDAY',
          timeFormat: 'HOUR24',
          dateFormat: 'DD/MM/YYYY',
        },
        status: 'ACTIVE',
      })
    })

    app.get('/api/v1/workspaces', (c) =>
      c.json(
        c.get('user').workspaces.map((w) => ({
          id: w.id,
          name: w.name,
          hourlyRate: { amount: 0, currency: 'USD' },
          memberships: [],
          workspaceSettings: {},
          imageUrl: '',
          featureSubscriptionType: null,
        })),
      ),
    )

    app.get('/api/v1/workspaces/:ws/projects', (c) => {
      const paging = page(c.req.query())
      if ('error' in paging) return c.json({ message: paging.error, code: 501 }, 400)
      const archived = c.req.query('archived')
      const list = c
        .get('user')
        .projects.filter((p) => p.workspaceId === c.req.param('ws'))
        .filter((p) => archived === undefined || String(p.archived) === archived)
        .sort((a, b) => a.name.localeCompare(b.name))
      return paged(c, list, paging, (p) => ({
        id: p.id,
        name: p.name,
        workspaceId: p.workspaceId,
        clientId: p.clientName ? `client-${p.clientName}` : '',
        clientName: p.clientName,
        color: p.color,
        archived: p.archived,
        billable: false,
        public: false,
        template: false,
        duration: 'PT0S',
        memberships: [],
        note: '',
      }))
    })

    // GET /workspaces/{workspaceId}/tags (docs.clockify.me "Find tags on workspace"): paginated.
    app.get('/api/v1/workspaces/:ws/tags', (c) => {
      const paging = page(c.req.query())
      if ('error' in paging) return c.json({ message: paging.error, code: 501 }, 400)
      const list = c
        .get('user')
        .tags.filter((t) => t.workspaceId === c.req.param('ws'))
        .sort((a, b) => a.name.localeCompare(b.name))
      return paged(c, list, paging, (t) => ({
        id: t.id,
        name: t.name,
        workspaceId: t.workspaceId,
        archived: false,
      }))
    })

    app.get('/api/v1/workspaces/:ws/user/:uid/time-entries', (c) => {
      const user = c.get('user')
      if (c.req.param('uid') !== user.id)
        return c.json({ message: 'Access denied', code: 403 }, 403)
      const q = c.req.query()
      const paging = page(q)
      if ('error' in paging) return c.json({ message: paging.error, code: 501 }, 400)
      const bound = (s: string | undefined) => {
        if (s === undefined) return undefined
        // Documented format yyyy-MM-ddThh:mm:ssZ (UTC, seconds, no fraction).
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s)) return null
        return Date.parse(s)
      }
      const start = bound(q.start)
      const end = bound(q.end)
      if (start === null || end === null)
        return c.json({ message: 'Invalid date format', code: 501 }, 400)
      const hydrated = this.alwaysHydrated || q.hydrated === 'true'
      const list = user.entries
        .filter((e) => e.workspaceId === c.req.param('ws'))
        // Like the live API as reported: filtered on the entry's start.
        .filter(
          (e) => (start === undefined || e.start >= start) && (end === undefined || e.start <= end),
        )
        .filter(
          (e) =>
            q['in-progress'] === undefined || (e.end === null) === (q['in-progress'] === 'true'),
        )
        .sort((a, b) => b.start - a.start)
      return paged(c, list, paging, (e) => {
        const project = user.projects.find((p) => p.id === e.projectId)
        const common = {
          id: e.id,
          description: e.description,
          billable: false,
          isLocked: false,
          type: e.type,
          userId: user.id,
          workspaceId: e.workspaceId,
          customFieldValues: [],
          kioskId: null,
          timeInterval: {
            start: iso(e.start),
            end: e.end === null ? null : iso(e.end),
            duration: e.end === null ? null : `PT${Math.round((e.end - e.start) / 1000)}S`,
          },
        }
        // Documented: with hydrated=true, `projectId`, `taskId` and `tagIds` become the `project`,
        // `task` and `tags` objects (and a `user` object is added).
        const tagIds = e.tagIds.length ? [...e.tagIds] : null
        if (!hydrated) return { ...common, projectId: e.projectId, taskId: null, tagIds }
        return {
          ...common,
          project: project
            ? {
                id: project.id,
                name: project.name,
                color: project.color,
                clientName: project.clientName,
                archived: project.archived,
                workspaceId: project.workspaceId,
              }
            : null,
          task: null,
          tags: e.tagIds.map((id) => {
            const tag = user.tags.find((t) => t.id === id)!
            return { id, name: tag.name, workspaceId: tag.workspaceId, archived: false }
          }),
          user: { id: user.id, name: user.name, email: user.email },
        }
      })
    })
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

function page(q: Record<string, string>): { page: number; size: number } | { error: string } {
  const p = q.page === undefined ? 1 : Number(q.page)
  const size = q['page-size'] === undefined ? 50 : Number(q['page-size'])
  if (!Number.isInteger(p) || p < 1) return { error: 'page must be a positive integer' }
  if (!Number.isInteger(size) || size < 1 || size > 5000)
    return { error: 'page-size must be between 1 and 5000' }
  return { page: p, size }
}

function paged<T>(
  c: { json: (body: unknown, status?: number, headers?: Record<string, string>) => Response },
  list: T[],
  p: { page: number; size: number },
  view: (t: T) => unknown,
) {
  const slice = list.slice((p.page - 1) * p.size, p.page * p.size)
  const last = p.page * p.size >= list.length
  return c.json(slice.map(view), 200, { 'Last-Page': String(last) })
}
