/** History import: choose the first day, then a confirmation naming the attributes and the days whose Exist values are replaced; and its progress block for the status page. */
import { CsrfField, Layout, type PageContext } from './layout.tsx'

export interface HistoryImportView {
  status: 'running' | 'done' | 'cancelled' | 'failed'
  range: string
  attributes: string
  daysDone: number
  daysTotal: number
  written: number
  refused: number
  /** In words: when it carries on, when it should be done. */
  resume: string | null
  eta: string | null
  error: string | null
}

export function HistoryImportForm(props: {
  ctx: PageContext
  since: string
  earliest: string
  latest: string
  error?: string
}) {
  return (
    <Layout title="Import your history" ctx={props.ctx}>
      <h1>Import your history</h1>
      <p>
        The hourly sync keeps the last days up to date. This fills in the days before them, as far
        back as you choose (up to 5 years), a month at a time and within a third of the hourly quota
        of each service, so it can take a few hours.
      </p>
      <form method="get" action="/import-history/confirm" class="card">
        <label for="since">First day of the import</label>
        <input
          type="date"
          id="since"
          name="since"
          value={props.since}
          min={props.earliest}
          max={props.latest}
          required
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? 'since-error' : undefined}
        />
        {props.error && (
          <p id="since-error" class="error" role="alert">
            {props.error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary">
            Continue…
          </button>
          <a class="button" href="/status">
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  )
}

export function HistoryImportConfirm(props: {
  ctx: PageContext
  since: string
  first: string
  last: string
  days: number
  attributes: string
}) {
  return (
    <Layout title="Import your history?" ctx={props.ctx}>
      <h1>Import your history?</h1>
      <section class="card warning">
        <p>
          For <strong>{props.attributes}</strong>, Timebridge sets each of the {props.days} days
          from <strong>{props.first}</strong> to <strong>{props.last}</strong> in Exist to the time
          you tracked that day. <strong>The values Exist holds for those days are replaced</strong>,
          including ones you or another app put there; days without tracked time become 0.
        </p>
        <p>Later days are left to the hourly sync. Running the import again is harmless.</p>
      </section>
      <form method="post" action="/import-history" class="actions">
        <CsrfField token={props.ctx.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="since" value={props.since} />
        <button type="submit" class="primary">
          Start the import
        </button>
        <a class="button" href="/status">
          Cancel
        </a>
      </form>
    </Layout>
  )
}

export function HistoryImportBlock(props: { view: HistoryImportView; csrf: string }) {
  const v = props.view
  const word = {
    running: 'under way',
    done: 'finished',
    cancelled: 'cancelled',
    failed: 'stopped',
  }[v.status]
  return (
    <section class="card" aria-labelledby="history-heading" data-history={v.status}>
      <h2 id="history-heading">History import {word}</h2>
      <p>
        {v.range} for {v.attributes}: <strong>{v.daysDone}</strong> of {v.daysTotal} days done,{' '}
        {v.written} day values written{v.refused ? `, ${v.refused} refused by Exist` : ''}.
      </p>
      <progress max={v.daysTotal} value={v.daysDone}>
        {v.daysDone} of {v.daysTotal} days
      </progress>
      {v.resume && <p class="muted">{v.resume}</p>}
      {v.eta && <p class="muted">{v.eta}</p>}
      {v.error && <p class="error">{v.error}</p>}
      {v.status === 'running' ? (
        <form method="post" action="/import-history/cancel" class="actions">
          <CsrfField token={props.csrf} />
          <button type="submit">Cancel the import</button>
        </form>
      ) : (
        <p>
          <a class="button" href="/import-history">
            Import history…
          </a>
        </p>
      )}
    </section>
  )
}
