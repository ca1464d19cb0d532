/** Clockify v1 (per-region host, `X-Api-Key`): user and workspaces cached, projects and time entries paginated. */
import { z } from 'zod'
import { utcInstant } from '../../core/local-window.ts'
import type {
  EntriesRead,
  SourceAccount,
  SourceProject,
  SourceReader,
} from '../../core/source-types.ts'
import { ApiError, createApiClient, type HttpDeps } from '../api-client.ts'
import {
  ClockifyMeta,
  ClockifyProjects,
  ClockifyTags,
  ClockifyTimeEntries,
  ClockifyUser,
  ClockifyWorkspaces,
} from './clockify-schemas.ts'

export const CLOCKIFY_REGIONS = {
  global: null,
  eu: 'https://euc1.clockify.me',
  us: 'https://use2.clockify.me',
  uk: 'https://euw2.clockify.me',
  au: 'https://apse2.clockify.me',
} as const
export type ClockifyRegion = keyof typeof CLOCKIFY_REGIONS
export const ClockifyRegionSchema = z.enum(
  Object.keys(CLOCKIFY_REGIONS) as [ClockifyRegion, ...ClockifyRegion[]],
  {
    error: `must be one of ${Object.keys(CLOCKIFY_REGIONS).join(', ')}`,
  },
)

/** A key works only on its own region's host; the global host is CLOCKIFY_URL. */
export function clockifyBase(globalUrl: string, region: ClockifyRegion): string {
  return CLOCKIFY_REGIONS[region] ?? globalUrl
}

// The default page size (50) silently truncates; these are well under the documented maximum of 5000.
const ENTRY_PAGE = 1000
const PROJECT_PAGE = 500
const MAX_PAGES = 50

export function clockifyReader(
  deps: HttpDeps,
  baseUrl: string,
  key: string,
  cached: { meta: unknown; workspaceIds?: readonly string[] } = { meta: null },
): SourceReader {
  const get = createApiClient(deps, 'clockify', `${baseUrl}/api/v1`, { 'X-Api-Key': key })

  async function pages<S extends z.ZodType<unknown[]>>(
    path: string,
    schema: S,
    query: Record<string, string | number | boolean>,
    size: number,
  ) {
    const out: z.output<S>[number][] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await get({ path, schema, query: { ...query, page, 'page-size': size } })
      out.push(...(res.data as unknown[]))
      if ((res.data as unknown[]).length < size || res.header('Last-Page') === 'true') return out
    }
    // Stopping here silently would sync a truncated list (totals too low): refuse instead.
    throw new ApiError(
      'clockify',
      'bad-response',
      `Clockify answered GET ${path} with more than ${MAX_PAGES} full pages; gave up`,
    )
  }

  /**
   * Runs a workspace's requests; a 403 there means this key may not read that workspace (the user
   * left it or lost access) — that workspace is skipped, the others are read. A 401 (the key itself
   * refused) still ends the run and pauses the source.
   */
  async function perWorkspace<T>(read: () => Promise<T>): Promise<T | 'inaccessible'> {
    try {
      return await read()
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'auth' && error.status === 403)
        return 'inaccessible'
      throw error
    }
  }

  return {
    source: 'clockify',
    get requests() {
      return get.requests
    },
    async account(opts = {}): Promise<SourceAccount> {
      const previous = ClockifyMeta.safeParse(cached.meta)
      let tags: Record<string, string> | undefined = previous.success
        ? previous.data.tags
        : undefined
      if (opts.tags) tags = {}
      const user = (await get({ path: '/user', schema: ClockifyUser })).data
      // One workspace listed twice must not cost its project requests twice (30 an hour on Free).
      const listed = (await get({ path: '/workspaces', schema: ClockifyWorkspaces })).data
      const workspaces = [...new Map(listed.map((w) => [w.id, w])).values()]
      const projects: SourceProject[] = []
      const inaccessible: string[] = []
      for (const ws of workspaces) {
        // `archived` omitted lists archived and active projects alike.
        const list = await perWorkspace(() =>
          pages(`/workspaces/${ws.id}/projects`, ClockifyProjects, {}, PROJECT_PAGE),
        )
        if (list === 'inaccessible') {
          inaccessible.push(ws.id)
          continue
        }
        // Entries carry tag ids only; names come from this list, cached with the projects.
        if (opts.tags && tags) {
          const wsTags = await perWorkspace(() =>
            pages(`/workspaces/${ws.id}/tags`, ClockifyTags, {}, PROJECT_PAGE),
          )
          if (wsTags !== 'inaccessible') for (const t of wsTags) tags[t.id] = t.name
        }
        for (const p of list) {
          projects.push({
            project: `clockify:${p.id}`,
            name: p.name,
            workspaceId: ws.id,
            workspaceName: ws.name,
            clientName: p.clientName || null,
            color: p.color ?? null,
            archived: Boolean(p.archived),
          })
        }
      }
      const meta: ClockifyMeta = {
        userId: user.id,
        workspaces: workspaces.map((w) => ({ id: w.id, name: w.name })),
        ...(tags ? { tags } : {}),
      }
      return {
        source: 'clockify',
        accountId: user.id,
        label: user.name || user.email || `Clockify user ${user.id}`,
        projects,
        meta,
        workspaces: { listed: workspaces.map((w) => w.id), inaccessible },
      }
    },
    async entries(fromMs, toMs): Promise<EntriesRead> {
      const meta = ClockifyMeta.safeParse(cached.meta)
      if (!meta.success)
        throw new Error('Clockify account details are missing: connect Clockify again')
      const { userId } = meta.data
      // Only workspaces with mapped projects: a free workspace allows 30 requests an hour.
      const workspaceIds = cached.workspaceIds ?? meta.data.workspaces.map((w) => w.id)
      const read: EntriesRead = { entries: [], readWorkspaces: [], inaccessibleWorkspaces: [] }
      for (const ws of workspaceIds) {
        const list = await perWorkspace(() =>
          pages(
            `/workspaces/${ws}/user/${userId}/time-entries`,
            ClockifyTimeEntries,
            // Not `hydrated=true`: it replaces `projectId`/`tagIds` by `project`/`tags` objects
            // (docs.clockify.me, getTimeEntries: "hydrated … include additional information";
            // reference/toggl-clockify-api.md C4) and inflates every page; the schema reads both shapes.
            { start: utcInstant(fromMs), end: utcInstant(toMs) },
            ENTRY_PAGE,
          ),
        )
        if (list === 'inaccessible') {
          read.inaccessibleWorkspaces.push(ws)
          continue
        }
        read.readWorkspaces.push(ws)
        for (const e of list) {
          // BREAK, HOLIDAY and TIME_OFF entries count only through a rule, like any other entry.
          // Entries without a project count only through a rule (tag, workspace, description).
          const projectId = e.projectId ?? e.project?.id
          const names = meta.data.tags ?? {}
          read.entries.push({
            project: projectId ? `clockify:${projectId}` : null,
            startMs: Date.parse(e.timeInterval.start),
            stopMs: e.timeInterval.end ? Date.parse(e.timeInterval.end) : null,
            tags: e.tags
              ? e.tags.map((t) => t.name)
              : (e.tagIds ?? []).flatMap((id) => (names[id] === undefined ? [] : [names[id]])),
            description: e.description ?? null,
            workspaceId: ws,
          })
        }
      }
      return read
    },
  }
}
