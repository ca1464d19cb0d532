/** The status page: syncing state, problems in plain words, Sync now, the 14-day chart per attribute, recent runs. */
import { type ChartSeries, DayChart } from './day-chart.tsx'
import { CsrfField, Layout, type PageContext } from './layout.tsx'

export interface RunRow {
  id: number
  when: string
  trigger: string
  tone: 'good' | 'warn' | 'bad'
  headline: string
  read: string
  sent: string
  details: string[]
}

/** The drift check as the status page shows it, from the database alone. */
export interface CheckView {
  /** When Timebridge last tried to read Exist back (null: never). */
  checkedAt: string | null
  /** When the values shown were read (null: nothing read yet). */
  readAt: string | null
  /** Why the last check could not read Exist. */
  error: string | null
  /** Days where Exist holds another number than Timebridge sent, in words. */
  drift: { attribute: string; date: string; text: string }[]
  /** "Repair drift automatically" is on. */
  repairDrift: boolean
}

export interface StatusView {
  timezone: string
  syncing: boolean
  nextRun: string | null
  lastRun: RunRow | null
  problems: string[]
  sourceConnected: boolean
  mapped: number
  window: { first: string; last: string }
  charts: ChartSeries[]
  check: CheckView
  runs: RunRow[]
}

export function StatusPage(props: { ctx: PageContext; view: StatusView }) {
  const { view } = props
  return (
    <Layout title="Status" ctx={props.ctx} nav="status">
      <h1>Status</h1>
      <section class="card summary">
        <dl>
          <div>
            <dt>Last run</dt>
            <dd>
              {view.lastRun ? `${view.lastRun.when}: ${view.lastRun.headline}` : 'No run yet'}
            </dd>
          </div>
          <div>
            <dt>Next run</dt>
            <dd>{view.syncing ? (view.nextRun ?? 'not scheduled') : 'Stopped (see below)'}</dd>
          </div>
          <div>
            <dt>Days synced</dt>
            <dd>
              {view.window.first} – {view.window.last} ({view.timezone})
            </dd>
          </div>
        </dl>
        <form method="post" action="/sync" class="sync-now" data-progress="">
          <CsrfField token={props.ctx.csrf} />
          <button type="submit" class="primary">
            Sync now
          </button>
          <p class="progress" hidden aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span class="progress-text">
              Syncing: reading your tracked time, then sending changed days to Exist…
            </span>
          </p>
        </form>
      </section>

      {view.problems.length > 0 && (
        <section class="notice bad" role="alert">
          <h2>Needs your attention</h2>
          <ul>
            {view.problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </section>
      )}

      {!view.sourceConnected ? (
        <p class="notice">
          Nothing to sync yet: <a href="/connect">connect Toggl Track or Clockify</a>.
        </p>
      ) : view.mapped === 0 ? (
        <p class="notice">
          Nothing to sync yet: <a href="/mapping">map a project to an Exist attribute</a>.
        </p>
      ) : null}

      {view.charts.length > 0 && (
        <section class="card">
          <h2>What Exist holds from Timebridge</h2>
          <p class="muted">
            Minutes per day over the last {view.charts[0]!.days.length} days, as Exist holds them
            when it was last checked. "…" marks a day waiting for the next run or for Exist's
            confirmation; "≠" a day where Exist holds something else than Timebridge sent.
          </p>
          {view.charts.map((s) => (
            <DayChart series={s} />
          ))}
          <CheckPanel check={view.check} csrf={props.ctx.csrf} />
        </section>
      )}

      <section class="card">
        <h2>Recent runs</h2>
        {view.runs.length === 0 ? (
          <p class="muted">No runs yet.</p>
        ) : (
          <ol class="runs">
            {view.runs.map((r) => (
              <li class={`run ${r.tone}`} data-run={r.id}>
                <p>
                  <strong>{r.when}</strong> <span class="muted">({r.trigger})</span> — {r.headline}
                </p>
                <p class="muted">
                  {r.read} {r.sent}
                </p>
                {r.details.length > 0 && (
                  <ul>
                    {r.details.map((d) => (
                      <li>{d}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section class="card danger-zone">
        <h2>Repair or leave</h2>
        <p>
          <a class="button" href="/zero-out">
            Zero Out…
          </a>{' '}
          sets the synced days in Exist to 0 and sends every day again.
        </p>
        <p>
          <a class="button danger" href="/disconnect">
            Disconnect…
          </a>{' '}
          deletes everything Timebridge holds about you.
        </p>
      </section>
    </Layout>
  )
}

/** When Exist was last read back, the days that differ, Repair these days, Check now, the auto-repair toggle. */
function CheckPanel(props: { check: CheckView; csrf: string }) {
  const { check } = props
  return (
    <div class="drift-check" id="drift-check">
      <h3>Checked against Exist</h3>
      <p class="checked-at">
        {check.readAt
          ? `Exist last checked ${check.readAt}.`
          : 'Exist has not been checked yet: the daily check reads it back about a day after you first map a project.'}{' '}
        <span class="muted">
          Once a day Timebridge reads the synced days back from Exist (two requests) and compares
          each with what it sent.
        </span>
      </p>
      {check.error && (
        <p class="error">
          The check {check.checkedAt} could not read Exist: {check.error}
        </p>
      )}
      {check.drift.length > 0 ? (
        <div class="notice warn drift-list" role="status">
          <p>
            <strong>
              {check.drift.length === 1
                ? '1 day differs in Exist'
                : `${check.drift.length} days differ in Exist`}
            </strong>{' '}
            (edited by hand in Exist, or written by another app):
          </p>
          <ul>
            {check.drift.map((d) => (
              <li data-attribute={d.attribute} data-date={d.date}>
                {d.text}
              </li>
            ))}
          </ul>
          <form method="post" action="/repair">
            <CsrfField token={props.csrf} />
            <button type="submit" class="primary">
              Repair these days
            </button>{' '}
            <span class="muted">sets exactly these days back to what Timebridge sent.</span>
          </form>
        </div>
      ) : (
        check.readAt && <p class="good">Every checked day holds what Timebridge sent.</p>
      )}
      <div class="check-actions">
        <form method="post" action="/check">
          <CsrfField token={props.csrf} />
          <button type="submit">Check Exist now</button>
        </form>
        <form method="post" action="/settings/repair-drift">
          <CsrfField token={props.csrf} />
          <input type="hidden" name="repairDrift" value={check.repairDrift ? 'off' : 'on'} />
          <button type="submit" aria-pressed={check.repairDrift ? 'true' : 'false'}>
            {check.repairDrift
              ? 'Repair drift automatically: on (turn off)'
              : 'Repair drift automatically: off (turn on)'}
          </button>
        </form>
      </div>
    </div>
  )
}
