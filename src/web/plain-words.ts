/** Run outcomes and API errors as sentences a person can act on (the stored messages are written for logs). */
import { DateTime } from 'luxon'
import type { RunView } from '../store/run-store.ts'

const SERVICE = '(Toggl Track|Clockify|Exist)'

const RULES: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /^Exist refused the saved token/,
    () =>
      'Exist no longer accepts Timebridge’s access (the token was revoked or expired). Sign out and sign in again to resume syncing.',
  ],
  [
    /^Exist refused to refresh the token|cannot be refreshed/,
    () =>
      'Exist would not renew Timebridge’s access. Sign out and sign in again to resume syncing.',
  ],
  [
    new RegExp(`^${SERVICE} was paused: .*refused the saved token`),
    (m) =>
      `${m[1]} was paused because it no longer accepts the saved API token. Your mappings are kept; paste a new token for the same account on the Sources page to resume.`,
  ],
  [
    new RegExp(`^${SERVICE} was paused for (\\d+) days`),
    (m) =>
      `${m[1]} was paused for ${m[2]} days without a new token, so Timebridge disconnected it: its mappings were removed and the attributes handed back to Exist (Exist keeps its values). Connect it again on the Sources page to start over.`,
  ],
  [
    new RegExp(`^${SERVICE} refused access to workspace "(.*)" \\(HTTP 403\\)`),
    (m) =>
      `${m[1]} refused access to the workspace "${m[2]}", so it was skipped; the other workspaces were read.`,
  ],
  [
    new RegExp(`^${SERVICE} was disconnected: .*refused the saved token`),
    (m) =>
      `${m[1]} was disconnected because it no longer accepts the saved API token. Paste a new one on the Sources page.`,
  ],
  [
    new RegExp(`^${SERVICE} refused the saved token`),
    (m) => `${m[1]} no longer accepts the saved API token (it was revoked or reset).`,
  ],
  [
    new RegExp(`^${SERVICE} API quota is spent`),
    (m) =>
      `${m[1]}’s hourly request allowance is used up. Timebridge waits and tries again at a later run.`,
  ],
  [
    new RegExp(`^${SERVICE} rate limit reached`),
    (m) => `${m[1]} asked Timebridge to slow down. The next run tries again.`,
  ],
  [
    new RegExp(`^${SERVICE} did not answer`),
    (m) => `${m[1]} could not be reached. The next run tries again.`,
  ],
  [
    new RegExp(`^${SERVICE} failed on .*\\(HTTP (5\\d\\d)\\)`),
    (m) => `${m[1]} had a server error. The next run tries again.`,
  ],
  [
    new RegExp(`^${SERVICE} answered .* with an unexpected response`),
    (m) =>
      `${m[1]} sent an answer Timebridge does not understand. The next run tries again; if this stays, please report it.`,
  ],
  [
    /^Another run for this user is under way/,
    () => 'Another run was already under way; it finishes by itself.',
  ],
  [
    /^Timebridge is shutting down|^Stopped because Timebridge is shutting down/,
    () => 'Timebridge was restarting; the next run carries on where this one stopped.',
  ],
  [
    new RegExp(`^The saved ${SERVICE} token can't be read`),
    (m) =>
      m[1] === 'Exist'
        ? 'Timebridge can no longer read your saved Exist token: the server’s secret key (SECRET_KEY) was changed. Sign out and sign in again to resume syncing.'
        : `Timebridge can no longer read your saved ${m[1]} token: the server’s secret key (SECRET_KEY) was changed. Paste the token again on the Sources page.`,
  ],
  [
    /^waiting for the API quota to reset/,
    () => 'Waiting for an API allowance to reset before running again.',
  ],
  [/^Syncing is stopped: (.*)$/, (m) => `Syncing is stopped: ${plainError(m[1]!)}`],
]

export function plainError(message: string): string {
  for (const [re, say] of RULES) {
    const m = re.exec(message)
    if (m) return say(m)
  }
  // Status codes mean nothing to most people; the logs and --json keep them.
  return message.replace(/ \(HTTP \d{3}\)/g, '')
}

/** Exist's refusal of one value, e.g. `unauthorised: Attribute 'x' does not belong to this service`. */
export function plainRefusal(error: string): string {
  if (/unauthorised|does not belong/.test(error))
    return 'another service owns this attribute in Exist now'
  return error.replace(/^[a-z_]+: /, '')
}

export const TRIGGER_LABEL: Record<string, string> = {
  schedule: 'hourly run',
  web: 'Sync now',
  cli: 'command line',
  queue: 'hourly run',
}

export function runHeadline(run: Pick<RunView, 'status' | 'summary' | 'error'>): {
  tone: 'good' | 'warn' | 'bad'
  text: string
} {
  const { written, pending } = run.summary
  const sent = written.increment + written.update
  const why = run.error ? plainError(run.error) : ''
  switch (run.status) {
    case 'ok':
      return {
        tone: 'good',
        text:
          sent === 0
            ? 'Done; Exist was already up to date'
            : `Done; ${count(sent, 'value')} changed in Exist`,
      }
    case 'partial':
      return {
        tone: 'warn',
        text: `Partly done; ${count(pending, 'value')} still waiting for Exist`,
      }
    case 'deferred':
      return { tone: 'warn', text: `Paused: ${why}` }
    case 'skipped':
      return { tone: 'warn', text: `Skipped: ${why}` }
    case 'stopped':
      return { tone: 'bad', text: `Stopped: ${why}` }
    default:
      return { tone: 'bad', text: `Failed: ${why || 'unknown error'}` }
  }
}

export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`
}

/** A day in the user's zone, e.g. `Sun 20 Dec 2026`. */
export function localDay(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('ccc d LLL yyyy')
}

export function localTime(ms: number, zone: string, nowMs?: number): string {
  const t = DateTime.fromMillis(ms, { zone })
  if (nowMs !== undefined) {
    const today = DateTime.fromMillis(nowMs, { zone }).startOf('day')
    const day = t.startOf('day')
    if (day.equals(today)) return `today ${t.toFormat('HH:mm')}`
    if (day.equals(today.plus({ days: 1 }))) return `tomorrow ${t.toFormat('HH:mm')}`
    if (day.equals(today.minus({ days: 1 }))) return `yesterday ${t.toFormat('HH:mm')}`
  }
  return t.toFormat('ccc d LLL, HH:mm')
}

/** `2026-11-07` → `Sat 7 Nov 2026`. */
export function longDate(date: string): string {
  return DateTime.fromISO(date, { zone: 'utc' }).toFormat('ccc d LLL yyyy')
}

/** "Tue 24 Nov": a window day in a sentence. */
export function dayDate(date: string): string {
  return DateTime.fromISO(date, { zone: 'utc' }).toFormat('ccc d LLL')
}

export function shortDate(date: string, today: string): string {
  if (date === today) return 'Today'
  return DateTime.fromISO(date, { zone: 'utc' }).toFormat('ccc d LLL')
}
