/** Toggl Track v9: one `/me` (with related data) to validate and list projects, one `/me/time_entries` per run. */

import { utcInstant } from '../../core/local-window.ts'
import type { SourceAccount, SourceReader, TimeEntry } from '../../core/source-types.ts'
import { ApiError, createApiClient, type HttpDeps } from '../api-client.ts'
import { TogglMe, TogglTimeEntries, type TogglTimeEntry } from './toggl-schemas.ts'

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
    // Whether `end_date` is inclusive is undocumented (the v9 docs say "until this date";
    // https://engineering.toggl.com/docs/api/time_entries, reference/toggl-clockify-api.md A2.1), so an
    // entry starting exactly at a split point may come in both halves: keep each id once.
    const seen = new Set<number>()
    for (const e of await fetchRaw(fromMs, toMs)) {
      if (seen.has(e.id)) continue
      seen.add(e.id)
      if (e.server_deleted_at || e.project_id == null) continue
      entries.push({
        project: `toggl:${e.project_id}`,
        startMs: Date.parse(e.start),
        // The duration of a running entry is a negative marker, not a length: use now instead.
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
