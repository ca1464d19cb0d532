/** The status page: syncing state, problems in plain words, Sync now, the 14-day chart per attribute, recent runs. */
import { DayChart, type ChartSeries } from './day-chart.tsx'
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
            Minutes per day over the last {view.charts[0]!.days.length} days. "…" marks a day
            waiting for the next run or for Exist's confirmation.
          </p>
          {view.charts.map((s) => (
            <DayChart series={s} />
          ))}
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
