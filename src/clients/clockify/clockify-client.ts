/** Clockify v1 (per-region host, `X-Api-Key`): user and workspaces cached, projects and time entries paginated. */
import { z } from 'zod'
import { utcInstant } from '../../core/local-window.ts'
import type {
  SourceAccount,
  SourceProject,
  SourceReader,
  TimeEntry,
} from '../../core/source-types.ts'
import { createApiClient, type HttpDeps } from '../api-client.ts'
import {
  ClockifyMeta,
  ClockifyProjects,
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
      if ((res.data as unknown[]).length < size || res.headers.get('Last-Page') === 'true') break
    }
    return out
  }

  return {
    source: 'clockify',
    get requests() {
      return get.requests
    },
    async account(): Promise<SourceAccount> {
      const user = (await get({ path: '/user', schema: ClockifyUser })).data
      const workspaces = (await get({ path: '/workspaces', schema: ClockifyWorkspaces })).data
      const projects: SourceProject[] = []
      for (const ws of workspaces) {
        // `archived` omitted lists archived and active projects alike.
        for (const p of await pages(
          `/workspaces/${ws.id}/projects`,
          ClockifyProjects,
          {},
          PROJECT_PAGE,
        )) {
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
      }
      return {
        source: 'clockify',
        accountId: user.id,
        label: user.name || user.email || `Clockify user ${user.id}`,
        projects,
        meta,
      }
    },
    async entries(fromMs, toMs): Promise<TimeEntry[]> {
      const meta = ClockifyMeta.safeParse(cached.meta)
      if (!meta.success)
        throw new Error('Clockify account details are missing: connect Clockify again')
      const { userId } = meta.data
      // Only workspaces with mapped projects: a free workspace allows 30 requests an hour.
      const workspaceIds = cached.workspaceIds ?? meta.data.workspaces.map((w) => w.id)
      const entries: TimeEntry[] = []
      for (const ws of workspaceIds) {
        const list = await pages(
          `/workspaces/${ws}/user/${userId}/time-entries`,
          ClockifyTimeEntries,
          { start: utcInstant(fromMs), end: utcInstant(toMs), hydrated: true },
          ENTRY_PAGE,
        )
        for (const e of list) {
          // BREAK, HOLIDAY and TIME_OFF entries count only through a mapped project, like any other
          // entry; entries without a project never count.
          if (!e.projectId) continue
          entries.push({
            project: `clockify:${e.projectId}`,
            startMs: Date.parse(e.timeInterval.start),
            stopMs: e.timeInterval.end ? Date.parse(e.timeInterval.end) : null,
          })
        }
      }
      return entries
    },
  }
}
