/** Human-readable renderings of CLI results (the --json shapes are the interface; these are for people). */

import { DateTime } from 'luxon'
import type { ConnectResult } from '../accounts/connect-user.ts'
import type { DisconnectResult } from '../accounts/disconnect.ts'
import type { MapResult } from '../accounts/map-project.ts'
import type { RuleChange, RuleView } from '../accounts/mapping-rules.ts'
import type { ProjectView } from '../accounts/project-list.ts'
import type { UserStatus } from '../accounts/user-status.ts'
import { SERVICE_LABEL } from '../clients/api-client.ts'
import type { RunReport } from '../store/run-store.ts'
import type { CheckReport, RepairReport } from '../sync/exist-check.ts'
import type { HistoryStatus } from '../sync/history-import.ts'

export function connected(r: ConnectResult): string {
  const sources = r.sources.map(
    (s) =>
      `${s.source}: ${s.account} (${s.projects} projects)${s.resumed ? ', resumed with its mappings' : ''}${
        s.other_account
          ? `, a different account than before${s.unmapped.length ? `: ${s.unmapped.length} mappings removed` : ''}`
          : ''
      }`,
  )
  return [
    `${r.created ? 'Created' : 'Updated'} user ${r.user} (Exist: ${r.exist_username}, ${r.timezone}).`,
    ...sources,
  ].join('\n')
}

export function projects(list: ProjectView[]): string {
  if (list.length === 0) return 'No projects (connect a source, or try --refresh).'
  return list
    .map((p) => {
      const where = [p.workspace, p.client].filter(Boolean).join(' / ')
      const flags = `${p.archived ? ' [archived]' : ''}${p.inaccessible ? ' [no access]' : ''}`
      return `${p.project.padEnd(22)} ${where ? `${where} / ` : ''}${p.name}${flags} → ${p.attribute ?? 'none'}`
    })
    .join('\n')
}

export function mapped(r: MapResult, cleared?: number): string {
  const lines = [
    `${r.project} → ${r.attribute ?? 'none'}${r.previous && r.previous !== r.attribute ? ` (was ${r.previous})` : ''}`,
  ]
  if (r.took_over_from) lines.push(`Took "${r.attribute}" over from ${r.took_over_from}.`)
  if (cleared)
    lines.push(`Set ${plural(cleared, 'day')} of ${r.released.join(', ')} to 0 in Exist first.`)
  if (r.released.length)
    lines.push(
      `No longer synced, handed back to Exist: ${r.released.join(', ')}${cleared ? '.' : ' (Exist keeps its values; --clear sets them to 0 first).'}`,
    )
  for (const p of r.problems) lines.push(`Warning: ${p}`)
  return lines.join('\n')
}

/** A run's outcome in a word or two (the exact status stays in --json). */
const OUTCOME: Record<string, string> = {
  ok: 'done',
  partial: 'partly done',
  deferred: 'paused',
  skipped: 'skipped',
  stopped: 'stopped',
  error: 'failed',
}

const service = (source: string) => SERVICE_LABEL[source as keyof typeof SERVICE_LABEL] ?? source

export function reports(list: RunReport[]): string {
  if (list.length === 0) return 'No users to sync.'
  return list
    .map((r) => {
      const s = r.summary
      const read =
        Object.entries(s.read)
          .map(([k, v]) => `${plural(v ?? 0, 'time entry', 'time entries')} from ${service(k)}`)
          .join(' and ') || 'nothing'
      const changed = s.written.increment + s.written.update
      const parts = [
        `user ${r.user}: ${OUTCOME[r.status] ?? r.status}`,
        `read ${read}`,
        changed ? `changed ${plural(changed, 'day')} in Exist` : 'Exist needed no change',
      ]
      if (s.refused.length) parts.push(`Exist refused ${plural(s.refused.length, 'day')}`)
      if (s.pending) parts.push(`${plural(s.pending, 'day')} still waiting for Exist`)
      const extra = [
        ...s.refused.map((x) => `  Exist refused ${x.attribute} on ${x.date}: ${x.error}`),
        ...s.notes.map((n) => `  ${n}`),
      ]
      if (r.error) extra.push(`  ${r.error}`)
      return [parts.join('; '), ...extra].join('\n')
    })
    .join('\n')
}

export function disconnected(r: DisconnectResult): string {
  const what = r.source
    ? `${r.source} from user ${r.user}`
    : `user ${r.user}; nothing of theirs is left`
  const lines = [`Disconnected ${what}.`]
  if (r.released.length) lines.push(`Released: ${r.released.join(', ')}`)
  for (const p of r.problems) lines.push(`Warning: ${p}`)
  return lines.join('\n')
}

export function status(s: { users: UserStatus[] }): string {
  if (s.users.length === 0) return 'No users yet: run connect.'
  return s.users
    .map((u) => {
      const sources = u.sources
        .filter((x) => x.connected || x.reason)
        .map(
          (x) =>
            `${service(x.source)} ${x.connected ? 'connected' : x.paused ? `paused (${x.reason}; disconnected at ${x.disconnects_at} unless connected again)` : `disconnected (${x.reason})`}`,
        )
      const last = u.runs[0]
      // In the user's Exist time zone, which is the zone their days are counted in.
      const when = (iso: string) =>
        DateTime.fromISO(iso, { zone: 'utc' }).setZone(u.timezone).toFormat('ccc d LLL yyyy, HH:mm')
      return [
        `user ${u.user} — ${u.exist_username} (${u.timezone}) ${u.syncing ? 'syncing' : `stopped: ${u.stopped_reason}`}`,
        `  sources: ${sources.join(', ') || 'none'}`,
        `  mappings: ${u.mappings.map((m) => `${m.project} → ${m.attribute}`).join(', ') || 'none'}`,
        `  last run: ${last ? `${when(last.finished_at)}, ${OUTCOME[last.status] ?? last.status}${last.error ? ` (${last.error})` : ''}` : 'never'}`,
      ].join('\n')
    })
    .join('\n')
}

export function checked(r: CheckReport, zone: string): string {
  if (r.attributes.length === 0) return `User ${r.user} has no mapped attribute: nothing to check.`
  const at = DateTime.fromISO(r.checked_at, { zone: 'utc' })
    .setZone(zone)
    .toFormat('ccc d LLL yyyy, HH:mm')
  const lines = [
    `Checked ${r.attributes.join(', ')} in Exist on ${at} (${zone}): ${plural(r.days_compared, 'day value')}, ${plural(r.requests, 'request')}.`,
  ]
  lines.push(
    r.drift.length === 0
      ? 'Every day holds what Timebridge sent.'
      : `${r.drift.length} day value(s) differ (repair with: repair --user ${r.user}):`,
  )
  for (const d of r.drift)
    lines.push(
      `  ${d.attribute} ${d.date}: Exist shows ${d.exist} min, Timebridge sent ${d.sent} min`,
    )
  for (const a of r.regained) lines.push(`${a} belongs to Timebridge again: the next run syncs it.`)
  for (const l of r.lost)
    lines.push(
      `${l.attribute} now belongs to ${l.owner ?? 'another service'}: Timebridge stops writing it.`,
    )
  if (r.unreadable.length)
    lines.push(
      `Exist did not return ${r.unreadable.join(', ')} (no read permission?): not compared.`,
    )
  return lines.join('\n')
}

export function repaired(r: RepairReport): string {
  const lines = r.repaired.map((d) => `  ${d.attribute} ${d.date} set to ${d.value} min`)
  return [reports([r]), ...lines].join('\n')
}

function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`
}

export function historyImport(s: HistoryStatus | null): string {
  if (!s) return 'No history import.'
  const lines = [
    `History import ${s.since} to ${s.until} (${s.attributes.join(', ')}): ${s.status}, ${s.days_done} of ${s.days_total} days done, ${s.written} day values written${s.refused ? `, ${s.refused} refused` : ''}.`,
    `Requests: Toggl Track ${s.requests.toggl}, Clockify ${s.requests.clockify}, Exist ${s.requests.exist}.`,
  ]
  if (s.resume_at)
    lines.push(`Carries on at ${s.resume_at} (this hour's share of the API quotas is spent).`)
  if (s.eta) lines.push(`Expected to finish around ${s.eta}.`)
  if (s.error) lines.push(`Last problem: ${s.error}`)
  return lines.join('\n')
}

export function rules(list: RuleView[]): string {
  if (list.length === 0) return 'No rules or project mappings yet (rule add, or map).'
  return list
    .map(
      (r) =>
        `${r.position}. ${r.match} → ${r.attribute}${r.from === 'mapping' ? ' (project mapping)' : ''}`,
    )
    .join('\n')
}

export function ruleChange(r: RuleChange): string {
  const lines = [rules(r.rules)]
  if (r.took_over_from) lines.push(`Took the attribute over from ${r.took_over_from}.`)
  if (r.released.length)
    lines.push(`Released (nothing feeds them any more): ${r.released.join(', ')}`)
  for (const p of r.problems) lines.push(`Problem: ${p}`)
  return lines.join('\n')
}
