/** Toggl Track v9: one `/me` (with related data) to validate and list projects, one `/me/time_entries` per run. */

import { DateTime } from 'luxon'
import { utcInstant } from '../../core/local-window.ts'
import type { SourceAccount, SourceReader, TimeEntry } from '../../core/source-types.ts'
import { ApiError, createApiClient, type HttpDeps } from '../api-client.ts'
import {
  TogglMe,
  TogglReportRows,
  TogglTags,
  TogglTimeEntries,
  type TogglTimeEntry,
} from './toggl-schemas.ts'

/** Toggl returns at most this many entries per call (documented for v8, observed for v9). */
export const TOGGL_ENTRY_CAP = 1000
/** Requests one range read may take: 64 full answers are far beyond any person's 15 days. */
const MAX_PARTS = 64

export function togglReader(deps: HttpDeps, baseUrl: string, token: string): SourceReader {
  const call = createApiClient(deps, 'toggl', `${baseUrl}/api/v9`, {
    Authorization: `Basic ${btoa(`${token}:api_token`)}`,
  })

  /** The raw entries of [fromMs, toMs], split in halves while an answer hits the cap. */
  async function fetchRaw(
    fromMs: number,
    toMs: number,
    budget = { parts: MAX_PARTS },
  ): Promise<TogglTimeEntry[]> {
    // A server that answers every part with a full page would make the halving run ~2^20 requests.
    if (--budget.parts < 0) {
      throw new ApiError(
        'toggl',
        'bad-response',
        `Toggl Track answered every part of the range with ${TOGGL_ENTRY_CAP} or more entries; gave up after ${MAX_PARTS} requests`,
      )
    }
    // No `meta=true`: nothing reads the project/client names it adds, and it inflates every answer.
    const { data } = await call({
      path: '/me/time_entries',
      query: { start_date: utcInstant(fromMs), end_date: utcInstant(toMs) },
      schema: TogglTimeEntries,
    })
    // A full answer may be truncated: split the range until every part fits.
    if (data.length >= TOGGL_ENTRY_CAP && toMs - fromMs > 2_000) {
      const mid = fromMs + Math.floor((toMs - fromMs) / 2000) * 1000
      return [...(await fetchRaw(fromMs, mid, budget)), ...(await fetchRaw(mid, toMs, budget))]
    }
    return data
  }

  async function fetchRange(fromMs: number, toMs: number): Promise<TimeEntry[]> {
    const entries: TimeEntry[] = []
    const budget = { parts: MAX_PARTS }
    const raw = await fetchRaw(fromMs, toMs, budget)
    // Whether `end_date` is inclusive is undocumented (the v9 docs say "until this date";
    // https://engineering.toggl.com/docs/api/time_entries, reference/toggl-clockify-api.md A2.1), so an
    // entry starting exactly at a split point may come in both halves: keep each id once. One
    // answer lists an entry once, so the usual unsplit read needs no set.
    const seen = budget.parts < MAX_PARTS - 1 ? new Set<number>() : undefined
    for (const e of raw) {
      if (seen) {
        if (seen.has(e.id)) continue
        seen.add(e.id)
      }
      if (e.server_deleted_at) continue
      entries.push({
        // Entries without a project count only through a rule (tag, workspace, description).
        project: e.project_id == null ? null : `toggl:${e.project_id}`,
        tags: e.tags ?? [],
        description: e.description ?? null,
        workspaceId: String(e.workspace_id),
        startMs: Date.parse(e.start),
        // A running entry counts up to now (bucketing's business).
        stopMs: e.stop ? Date.parse(e.stop) : null,
      })
    }
    return entries
  }

  return {
    source: 'toggl',
    get requests() {
      return call.requests
    },
    async account(): Promise<SourceAccount> {
      const { data } = await call({
        path: '/me',
        query: { with_related_data: true },
        schema: TogglMe,
      })
      return togglAccount(data)
    },
    async entries(fromMs, toMs) {
      return {
        entries: await fetchRange(fromMs, toMs),
        readWorkspaces: [],
        inaccessibleWorkspaces: [],
      }
    },
  }
}

function togglAccount(me: TogglMe): SourceAccount {
  const workspaces = new Map((me.workspaces ?? []).map((w) => [w.id, w.name]))
  const clients = new Map((me.clients ?? []).map((c) => [c.id, c.name]))
  return {
    source: 'toggl',
    accountId: String(me.id),
    label: me.fullname || me.email || `Toggl user ${me.id}`,
    meta: null,
    projects: (me.projects ?? [])
      .filter((p) => !p.server_deleted_at)
      .map((p) => ({
        project: `toggl:${p.id}`,
        name: p.name,
        workspaceId: String(p.workspace_id),
        workspaceName: workspaces.get(p.workspace_id) ?? `Workspace ${p.workspace_id}`,
        clientName: p.client_id != null ? (clients.get(p.client_id) ?? null) : null,
        color: p.color ?? null,
        archived: !p.active,
      })),
  }
}

/** `/me/time_entries` refuses a `start_date` more than ~92 days back (reference/toggl-clockify-api.md A2.2); older history comes from the Reports API. */
export const TOGGL_ENTRIES_REACH_DAYS = 90
/** Rows per Reports API page: the documented default (https://engineering.toggl.com/docs/reports/detailed_reports). */
const REPORT_PAGE = 50
/** Pages one range read may take (50 × 400 = 20 000 entries): beyond that the answer is not believable. */
const MAX_REPORT_PAGES = 400

/**
 * Toggl history older than `/me/time_entries` reaches: the Reports API v3 detailed search, per
 * workspace (reports never span workspaces), paginated by the `X-Next-ID` / `X-Next-Row-Number` /
 * `X-Next-Timestamp` headers sent back as `first_id` / `first_row_number` / `first_timestamp`
 * (https://engineering.toggl.com/docs/reports/detailed_reports). Its dates are calendar dates in the
 * Toggl profile's zone, so a range is asked with a day of margin each side and cut by instant here.
 */
export function togglReportsReader(
  deps: HttpDeps,
  baseUrl: string,
  token: string,
  workspaceIds: readonly string[],
  opts: { tags?: boolean } = {},
): Pick<SourceReader, 'entries' | 'requests'> {
  const auth = { Authorization: `Basic ${btoa(`${token}:api_token`)}` }
  const call = createApiClient(deps, 'toggl', `${baseUrl}/reports/api/v3`, {
    ...auth,
    'Content-Type': 'application/json',
  })
  const v9 = createApiClient(deps, 'toggl', `${baseUrl}/api/v9`, auth)

  /** Report rows name tags by id: their names (what tag rules match) from the workspace's tag list, only when a tag rule asks. */
  async function tagNames(workspaceId: string): Promise<Map<number, string>> {
    if (!opts.tags) return new Map()
    const { data } = await v9({
      path: `/workspaces/${encodeURIComponent(workspaceId)}/tags`,
      schema: TogglTags,
    })
    return new Map((data ?? []).map((t) => [t.id, t.name]))
  }
  const day = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toISODate()!

  async function workspaceEntries(workspaceId: string, fromMs: number, toMs: number) {
    const entries: TimeEntry[] = []
    const names = await tagNames(workspaceId)
    const seen = new Set<number>()
    let cursor: Record<string, number> = {}
    for (let page = 0; ; page++) {
      if (page >= MAX_REPORT_PAGES) {
        throw new ApiError(
          'toggl',
          'bad-response',
          `Toggl Track's report answered more than ${MAX_REPORT_PAGES} pages for one range; gave up`,
        )
      }
      const res = await call({
        method: 'POST',
        path: `/workspace/${encodeURIComponent(workspaceId)}/search/time_entries`,
        body: {
          start_date: day(fromMs - 86_400_000),
          end_date: day(toMs + 86_400_000),
          page_size: REPORT_PAGE,
          order_by: 'date',
          order_dir: 'asc',
          ...cursor,
        },
        schema: TogglReportRows,
      })
      for (const row of res.data) {
        if (row.project_id == null) continue
        for (const e of row.time_entries) {
          const startMs = Date.parse(e.start)
          if (seen.has(e.id) || startMs < fromMs || startMs >= toMs) continue
          seen.add(e.id)
          entries.push({
            project: `toggl:${row.project_id}`,
            description: row.description ?? null,
            tags: (row.tag_ids ?? []).flatMap((id) => names.get(id) ?? []),
            workspaceId,
            startMs,
            stopMs: e.stop ? Date.parse(e.stop) : null,
          })
        }
      }
      const nextId = intHeader(res.header('X-Next-ID'))
      const nextRow = intHeader(res.header('X-Next-Row-Number'))
      if (nextId === undefined || nextRow === undefined) return entries
      const nextTimestamp = intHeader(res.header('X-Next-Timestamp'))
      cursor = {
        first_id: nextId,
        first_row_number: nextRow,
        ...(nextTimestamp === undefined ? {} : { first_timestamp: nextTimestamp }),
      }
    }
  }

  return {
    get requests() {
      return call.requests + v9.requests
    },
    async entries(fromMs, toMs) {
      const entries: TimeEntry[] = []
      for (const ws of workspaceIds) entries.push(...(await workspaceEntries(ws, fromMs, toMs)))
      return { entries, readWorkspaces: [...workspaceIds], inaccessibleWorkspaces: [] }
    },
  }
}

function intHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined
  return Number(value.trim())
}
