/** The status page: syncing state and Sync now, problems in plain words, one compact chart per attribute, recent runs, repair or leave. */
import { type ChartSeries, DayChart } from './day-chart.tsx'
import { HistoryImportBlock, type HistoryImportView } from './history-import-page.tsx'
import { CsrfField, Layout, type PageContext, Progress } from './layout.tsx'
import { type PausedSource, PausedSources } from './paused-sources.tsx'

export interface RunRow {
  id: number
  when: string
  trigger: string
  tone: 'good' | 'warn' | 'bad'
  headline: string
  read: string
  sent: string
  details: string[]
  /** The run's exact figures (updates, increments, requests), folded away. */
  exact: string
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
  /** Sources paused after refusing their token (data + a small block, see paused-sources.tsx). */
  paused: PausedSource[]
  sourceConnected: boolean
  mapped: number
  window: { first: string; last: string }
  charts: ChartSeries[]
  /** Minutes at the top of every chart (one scale for all). */
  scale: number
  canZeroOut: boolean
  /** The latest history import, if any. */
  history: HistoryImportView | null
  check: CheckView
  runs: RunRow[]
}

const RUNS_OPEN = 3

export function StatusPage(props: { ctx: PageContext; view: StatusView }) {
  const { view } = props
  const active = view.sourceConnected && view.mapped > 0
  return (
    <Layout title="Status" ctx={props.ctx} nav="status" wide>
      <h1>Status</h1>

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

      <PausedSources paused={view.paused} />

      {!view.sourceConnected ? (
        <section class="notice empty">
          <p>
            {view.runs.length ? 'No time source is connected now, so nothing is synced. ' : ''}
            Next step: <a href="/connect">connect Toggl Track or Clockify</a>.
          </p>
        </section>
      ) : view.mapped === 0 ? (
        <section class="notice empty">
          <p>
            {view.runs.length ? 'No project is mapped now, so nothing is synced. ' : ''}
            Next step: <a href="/mapping">choose which Exist attribute each project feeds</a>.
          </p>
        </section>
      ) : (
        <section class="card summary">
          <dl>
            <div>
              <dt>Last run</dt>
              <dd>{view.lastRun ? `${view.lastRun.when}: ${view.lastRun.headline}` : 'Not yet'}</dd>
            </div>
            <div>
              <dt>Next run</dt>
              <dd>{view.syncing ? (view.nextRun ?? 'not scheduled') : 'Stopped (see above)'}</dd>
            </div>
            <div>
              <dt>Days synced</dt>
              <dd>
                {view.window.first} – {view.window.last}{' '}
                <span class="muted">({view.timezone})</span>
                {view.canZeroOut && !view.history && (
                  <>
                    {' '}
                    · <a href="/import-history">Import history…</a>
                  </>
                )}
              </dd>
            </div>
          </dl>
          <form method="post" action="/sync" class="sync-now" data-progress="">
            <CsrfField token={props.ctx.csrf} />
            <button type="submit" class="primary">
              Sync now
            </button>
            <Progress text="Syncing: reading your tracked time, then sending changed days to Exist…" />
          </form>
        </section>
      )}

      {active && view.charts.length > 0 && (
        <section class="charts-section" aria-labelledby="charts-heading">
          <h2 id="charts-heading">Last {view.charts[0]!.days.length} days in Exist</h2>
          <p class="muted legend">
            What Exist holds, in hours per day, today on the right, same scale in every chart. Point
            at a day or tab to it for its value; a dot under a day marks one waiting for Exist,
            refused, or holding something else than Timebridge sent.
          </p>
          <div class="charts">
            {view.charts.map((s) => (
              <DayChart series={s} scale={view.scale} />
            ))}
          </div>
          <CheckPanel check={view.check} csrf={props.ctx.csrf} />
        </section>
      )}

      <div class="status-bottom">
        {view.runs.length > 0 && (
          <section class="card">
            <h2>Recent runs</h2>
            <ol class="runs">
              {view.runs.slice(0, RUNS_OPEN).map((r) => (
                <Run r={r} />
              ))}
            </ol>
            {view.runs.length > RUNS_OPEN && (
              <details>
                <summary>
                  {view.runs.length - RUNS_OPEN} earlier{' '}
                  {view.runs.length - RUNS_OPEN === 1 ? 'run' : 'runs'}
                </summary>
                <ol class="runs">
                  {view.runs.slice(RUNS_OPEN).map((r) => (
                    <Run r={r} />
                  ))}
                </ol>
              </details>
            )}
          </section>
        )}
        {view.history && <HistoryImportBlock view={view.history} csrf={props.ctx.csrf} />}
        <section class="card danger-zone">
          <h2>Repair or leave</h2>
          {view.canZeroOut && (
            <p>
              <a class="button" href="/zero-out">
                Zero Out…
              </a>{' '}
              sets the synced days in Exist to 0 and sends every day again.
            </p>
          )}
          <p>
            <a class="button danger" href="/disconnect">
              Disconnect…
            </a>{' '}
            deletes everything Timebridge holds about you.
          </p>
        </section>
      </div>
    </Layout>
  )
}

function Run(props: { r: RunRow }) {
  const { r } = props
  return (
    <li class={`run ${r.tone}`} data-run={r.id}>
      <p>
        <strong>{r.when}</strong> <span class="muted">· {r.trigger}</span> — {r.headline}
      </p>
      {(r.read || r.sent) && (
        <p class="muted">
          {r.read} {r.sent}
        </p>
      )}
      {r.details.length > 0 && (
        <ul>
          {r.details.map((d) => (
            <li>{d}</li>
          ))}
        </ul>
      )}
      <details class="exact">
        <summary>Details</summary>
        <p class="muted">{r.exact}</p>
      </details>
    </li>
  )
}

/** When Exist was last read back, the days that differ, Repair these days, Check now, the auto-repair toggle: one line unless something differs. */
function CheckPanel(props: { check: CheckView; csrf: string }) {
  const { check } = props
  return (
    <div class="drift-check" id="drift-check">
      <div class="check-bar">
        <p class="checked-at">
          {check.readAt
            ? `Exist last checked ${check.readAt}.`
            : 'Exist has not been checked yet: the daily check reads it back about a day after you first map a project.'}{' '}
          {check.readAt && check.drift.length === 0 && (
            <span class="good">Every checked day holds what Timebridge sent.</span>
          )}{' '}
          <span class="muted">(Read back once a day, two requests.)</span>
        </p>
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
      {check.error && (
        <p class="error">
          The check {check.checkedAt} could not read Exist: {check.error}
        </p>
      )}
      {check.drift.length > 0 && (
        <div class="notice drift-list" role="status">
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
      )}
    </div>
  )
}
