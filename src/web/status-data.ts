/** What the status page shows, read from the database: runs in plain words, problems, next run, and the ledger as chart data. */
import { Cron } from 'croner'
import { type ChartSeries, sharedScale } from '../../views/day-chart.tsx'
import type { HistoryImportView } from '../../views/history-import-page.tsx'
import type { PausedSource } from '../../views/paused-sources.tsx'
import type { CheckView, RunRow, StatusView } from '../../views/status-page.tsx'
import { userStatus } from '../accounts/user-status.ts'
import { SERVICE_LABEL } from '../clients/api-client.ts'
import { localWindow } from '../core/local-window.ts'
import { sortAttributes, TEMPLATES } from '../core/templates.ts'
import type { Deps } from '../deps.ts'
import { attributeRows } from '../store/attribute-store.ts'
import { loadExistValues } from '../store/exist-values-store.ts'
import { ledgerBetween } from '../store/ledger-store.ts'
import type { RunView } from '../store/run-store.ts'
import type { User } from '../store/user-store.ts'
import { type HistoryStatus, importStatus } from '../sync/history-import.ts'
import {
  count,
  dayDate,
  localDay,
  localTime,
  longDate,
  plainError,
  plainRefusal,
  runHeadline,
  shortDate,
  TRIGGER_LABEL,
} from './plain-words.ts'

const RUNS_SHOWN = 10

export async function statusView(deps: Deps, user: User): Promise<StatusView> {
  const now = deps.now()
  const status = await userStatus(deps, user, RUNS_SHOWN)
  const window = localWindow(now, user.timezone, deps.config.syncDays)
  // Runs may name attributes no longer synced: fall back to the template labels.
  const attributeSince = new Map(
    (await attributeRows(deps.db, user.id)).map((a) => [a.attribute, a.updatedAt.getTime()]),
  )
  const attributeLabel = new Map([
    ...TEMPLATES.map((t) => [t.name, t.label] as const),
    ...status.attributes.map((a) => [a.attribute, a.label] as const),
  ])
  const label = (attribute: string) => attributeLabel.get(attribute) ?? attribute

  const mapped = sortAttributes([...new Set(status.mappings.map((m) => m.attribute))])
  const ledger = await ledgerBetween(deps.db, user.id, mapped, window.dates[0]!, window.today)
  // What Exist holds as the last drift check read it (kept current by the writes it confirmed since).
  const held = mapped.length ? await loadExistValues(deps.db, user.id, window.dates) : []
  const drift: CheckView['drift'] = []
  const finished = status.runs.filter((r) => r.status === 'ok' || r.status === 'partial')
  const charts: ChartSeries[] = mapped.map((attribute) => {
    const rows = ledger.filter((r) => r.attribute === attribute)
    const info = status.attributes.find((a) => a.attribute === attribute)
    const refused = info?.status === 'refused'
    const since = attributeSince.get(attribute) ?? 0
    // Mapping marks every window day pending at 0: until a run confirms one, there is nothing to show.
    const notSynced =
      rows.every((r) => r.pending && !r.error) &&
      (rows.length > 0 || !finished.some((r) => Date.parse(r.started_at) >= since))
    return {
      attribute,
      label: label(attribute),
      notSynced,
      note: refused
        ? 'Another service owns this attribute in Exist now, so Timebridge stopped writing to it.'
        : null,
      days: window.dates.map((date) => {
        const row = rows.find((r) => r.date === date)
        const seen = held.find((e) => e.attribute === attribute && e.date === date)
        const sent = row?.value ?? 0
        const pending = row?.pending ?? false
        const exist = seen ? (seen.value ?? 0) : null
        // A pending day is not drift: the next run sets it absolutely anyway.
        const drifted = !refused && !pending && exist !== null && exist !== sent
        const note = drifted
          ? `Exist shows ${exist} min, Timebridge sent ${sent} min on ${dayDate(date)}`
          : null
        if (note) drift.push({ attribute, date, text: `${label(attribute)}: ${note}` })
        return {
          date,
          label: shortDate(date, window.today),
          minutes: pending || exist === null ? sent : exist,
          sent,
          drift: drifted,
          mark: row?.error
            ? { kind: 'refused', text: `Exist refused it: ${plainRefusal(row.error)}` }
            : pending
              ? { kind: 'pending', text: 'waiting for Exist to confirm' }
              : note
                ? { kind: 'drift', text: note }
                : undefined,
        }
      }),
    }
  })
  const check: CheckView = {
    checkedAt: user.existCheckedAt
      ? localTime(user.existCheckedAt.getTime(), user.timezone, now)
      : null,
    readAt: held.length
      ? localTime(Math.max(...held.map((e) => e.checkedAt.getTime())), user.timezone, now)
      : null,
    error: user.existCheckError ? plainError(user.existCheckError) : null,
    drift,
    repairDrift: user.repairDrift,
  }

  const problems: string[] = []
  if (!user.syncing)
    problems.push(plainError(user.stoppedReason ?? 'Exist refused the saved token'))
  const paused: PausedSource[] = []
  for (const s of status.sources) {
    if (s.paused) {
      const source = s.source as keyof typeof SERVICE_LABEL
      paused.push({
        source: s.source,
        label: SERVICE_LABEL[source],
        since: localDay(Date.parse(s.paused_since!), user.timezone),
        disconnectsOn: localDay(Date.parse(s.disconnects_at!), user.timezone),
        why: plainError(s.reason ?? ''),
        attributes: status.held
          .filter((h) => h.because.includes(`${SERVICE_LABEL[source]} is paused`))
          .map((h) => label(h.attribute)),
      })
    } else if (!s.connected && s.reason) problems.push(plainError(s.reason))
  }
  for (const h of status.held) {
    const workspaces = h.because.filter((b) => b.includes('workspace'))
    if (workspaces.length === 0) continue
    problems.push(
      `${label(h.attribute)} is not being updated: ${workspaces.join('; ')} (HTTP 403). Regain access to it, or unmap its projects on the mapping page; until then Exist keeps what it holds.`,
    )
  }
  for (const a of status.attributes) {
    if (a.status === 'refused') {
      problems.push(
        `${a.label}: another service took this attribute over in Exist, so Timebridge stopped writing to it. Map a project to it again to take it back.`,
      )
    }
  }
  for (const attribute of mapped) {
    const refused = ledger.filter((r) => r.attribute === attribute && r.error)
    const last = refused.at(-1)
    if (last?.error && !/does not belong|unauthorised/.test(last.error)) {
      problems.push(
        `Exist refused ${count(refused.length, 'day')} of ${label(attribute)} (e.g. ${longDate(last.date)}: ${plainRefusal(last.error)}). The next run tries again.`,
      )
    }
  }
  if (user.retryAfter && user.retryAfter.getTime() > now) {
    problems.push(
      `An API asked Timebridge to wait: no run before ${localTime(user.retryAfter.getTime(), user.timezone, now)}.`,
    )
  }

  const runs = status.runs.map((r) => runRow(r, user.timezone, now, label))
  return {
    timezone: user.timezone,
    syncing: user.syncing,
    nextRun: nextRunText(deps, user),
    lastRun: runs[0] ?? null,
    problems,
    paused,
    sourceConnected: status.sources.some((s) => s.connected || s.paused),
    mapped: status.mappings.length,
    window: { first: shortDate(window.dates[0]!, ''), last: longDate(window.today) },
    charts,
    check,
    scale: sharedScale(charts),
    canZeroOut: status.attributes.some((a) => a.status === 'owned' && mapped.includes(a.attribute)),
    history: historyView(await importStatus(deps, user.id), user.timezone, now, label),
    runs,
  }
}

/** When the schedule fires next (croner, the same expression the server runs), in the user's time. */
export function nextRunText(deps: Deps, user: User): string | null {
  const now = deps.now()
  const cron = new Cron(deps.config.syncSchedule, { paused: true })
  let next = cron.nextRun(new Date(now))
  // A quota wait skips the runs before it.
  const retry = user.retryAfter?.getTime()
  while (next && retry !== undefined && next.getTime() < retry) next = cron.nextRun(next)
  cron.stop()
  if (!next) return null
  const minutes = Math.max(0, Math.round((next.getTime() - now) / 60_000))
  const wait =
    minutes < 60
      ? `${minutes} min`
      : minutes < 48 * 60
        ? `${Math.round(minutes / 60)} h`
        : `${Math.round(minutes / 1440)} days`
  return `${localTime(next.getTime(), user.timezone, now)} (in ${wait})`
}

function runRow(run: RunView, zone: string, now: number, label: (a: string) => string): RunRow {
  const { summary } = run
  const head = runHeadline(run)
  const reads = Object.entries(summary.read).map(
    ([source, n]) =>
      `${count(n ?? 0, 'time entry', 'time entries')} from ${SERVICE_LABEL[source as keyof typeof SERVICE_LABEL] ?? source}`,
  )
  const { increment, update } = summary.written
  const zeroOut = summary.notes.some((n) => n.startsWith('Zero Out'))
  const details = [
    ...summary.refused.map(
      (r) =>
        `Exist refused ${label(r.attribute)} on ${longDate(r.date)}: ${plainRefusal(r.error)}.`,
    ),
    ...summary.notes.filter((n) => !n.startsWith('Zero Out')).map((n) => plainError(n)),
  ]
  if (summary.held?.length)
    details.push(
      `Not written, so Exist keeps what it holds: ${summary.held.map(label).join(', ')} (a source feeding ${summary.held.length === 1 ? 'it' : 'them'} is paused or a workspace refused access).`,
    )
  if (summary.pending > 0 && run.status !== 'partial')
    details.push(`${count(summary.pending, 'value')} still waiting for Exist.`)
  const requests = Object.entries(summary.requests)
    .map(([api, n]) => `${SERVICE_LABEL[api as keyof typeof SERVICE_LABEL] ?? api} ${n}`)
    .join(', ')
  return {
    id: run.id,
    when: localTime(Date.parse(run.started_at), zone, now),
    trigger: zeroOut ? 'Zero Out' : (TRIGGER_LABEL[run.trigger] ?? run.trigger),
    tone: head.tone,
    headline: head.text,
    read: reads.length
      ? `Read ${reads.join(' and ')}.`
      : run.status === 'ok' && !summary.held?.length
        ? 'No mapped project to read.'
        : '',
    sent:
      increment + update === 0
        ? run.status === 'ok' || run.status === 'partial'
          ? 'Exist needed no change.'
          : ''
        : `Changed ${count(increment + update, 'day')} in Exist.`,
    details,
    // Exact figures for the curious (and for bug reports), folded away.
    exact: `Run ${run.id}: ${update} absolute ${update === 1 ? 'update' : 'updates'}, ${increment} ${increment === 1 ? 'increment' : 'increments'}${summary.pending ? `, ${summary.pending} pending` : ''}${requests ? `; requests: ${requests}` : ''}.`,
  }
}

/** The history import in words: progress, when it carries on, when it should be done. */
function historyView(
  s: HistoryStatus | null,
  zone: string,
  now: number,
  label: (attribute: string) => string,
): HistoryImportView | null {
  if (!s) return null
  return {
    status: s.status,
    range: `${longDate(s.since)} to ${longDate(s.until)}`,
    attributes: s.attributes.map(label).join(', '),
    daysDone: s.days_done,
    daysTotal: s.days_total,
    written: s.written,
    refused: s.refused,
    resume: s.resume_at
      ? `This hour's share of the API quotas is spent; it carries on ${localTime(Date.parse(s.resume_at), zone, now)}.`
      : null,
    eta: s.eta ? `Expected to finish around ${localTime(Date.parse(s.eta), zone, now)}.` : null,
    error: s.error ? plainError(s.error) : null,
  }
}
