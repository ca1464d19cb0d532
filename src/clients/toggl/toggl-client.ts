/** Toggl Track v9: one `/me` (with related data) to validate and list projects, one `/me/time_entries` per run. */

import { utcInstant } from '../../core/local-window.ts'
import type { SourceAccount, SourceReader, TimeEntry } from '../../core/source-types.ts'
import { createApiClient, type HttpDeps } from '../api-client.ts'
import { TogglMe, TogglTimeEntries } from './toggl-schemas.ts'

/** Toggl returns at most this many entries per call (documented for v8, observed for v9). */
export const TOGGL_ENTRY_CAP = 1000

export function togglReader(deps: HttpDeps, baseUrl: string, token: string): SourceReader {
  const call = createApiClient(deps, 'toggl', `${baseUrl}/api/v9`, {
    Authorization: `Basic ${btoa(`${token}:api_token`)}`,
  })

  async function fetchRange(fromMs: number, toMs: number): Promise<TimeEntry[]> {
    const { data } = await call({
      path: '/me/time_entries',
      query: { start_date: utcInstant(fromMs), end_date: utcInstant(toMs), meta: true },
      schema: TogglTimeEntries,
    })
    // A full page may be truncated: split the range until every part fits.
    if (data.length >= TOGGL_ENTRY_CAP && toMs - fromMs > 2_000) {
      const mid = fromMs + Math.floor((toMs - fromMs) / 2000) * 1000
      const parts = [...(await fetchRange(fromMs, mid)), ...(await fetchRange(mid, toMs))]
      return parts
    }
    const entries: TimeEntry[] = []
    for (const e of data) {
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
    entries: fetchRange,
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
