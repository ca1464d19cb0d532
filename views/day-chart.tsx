/**
 * One attribute's last days as a compact server-rendered SVG column chart: days left to right (today last), a
 * scale shared by every chart on the page, each day's value on hover and keyboard focus, and the same numbers
 * in a table. A day may carry a mark (waiting for Exist, refused, drifted…) drawn under its column.
 */

export interface DayMark {
  /** A class-safe word: `pending`, `refused`, `drift`…; styled as `.mark-<kind>`. */
  kind: string
  /** Said in the tooltip and the table, e.g. "waiting for Exist to confirm". */
  text: string
}

export interface ChartDay {
  date: string
  /** e.g. "Tue 17 Nov" or "Today". */
  label: string
  /** Minutes for the day as drawn (what Exist holds when known); null: nothing known (no bar, "no value" in the table). */
  minutes: number | null
  /** Minutes Timebridge sent (the ledger), when it differs from what is drawn worth knowing. */
  sent?: number | undefined
  /** Exist holds another number than Timebridge sent (the drift check). */
  drift?: boolean | undefined
  mark?: DayMark | undefined
}

export interface ChartSeries {
  attribute: string
  label: string
  /** Oldest first; the last one is today. */
  days: ChartDay[]
  /** Nothing synced yet: the chart says so instead of drawing a row of zeros. */
  notSynced?: boolean
  /** A line under the chart (e.g. another service took the attribute over). */
  note?: string | null
}

// viewBox units: about 1.15 px each in a 300 px desktop column, 1.25 px on a 390 px phone.
const W = 260
const H = 128
const LEFT = 30
const TOP = 14
const BASE = 104
const PLOT_W = W - LEFT - 2

/** A scale every chart of the page shares: the largest day rounded up to whole hours (at least one). */
export function sharedScale(series: readonly ChartSeries[]): number {
  const most = Math.max(
    0,
    ...series.flatMap((s) => (s.notSynced ? [] : s.days.map((d) => d.minutes ?? 0))),
  )
  const hours = Math.max(1, Math.ceil(most / 60))
  // Even hours above 2 h so the middle line is a whole hour too.
  return (hours > 2 && hours % 2 ? hours + 1 : hours) * 60
}

export function DayChart(props: { series: ChartSeries; scale: number }) {
  const { series, scale } = props
  const n = series.days.length
  const col = PLOT_W / Math.max(1, n)
  const barW = Math.min(14, col - 4)
  const total = series.days.reduce((sum, d) => sum + (d.minutes ?? 0), 0)
  const first = series.days[0]
  const y = (minutes: number) => BASE - (minutes / scale) * (BASE - TOP)
  const marked = series.days.filter((d) => d.mark)
  return (
    <figure class="chart card" data-attribute={series.attribute}>
      <figcaption>
        <span class="chart-title">{series.label}</span>
        <span class="chart-total">
          {series.notSynced ? 'not synced yet' : `${hhmm(total)} in ${n} days`}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} class="day-chart">
        <title>{`${series.label}: time per day, ${first?.label ?? ''} to today`}</title>
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: lines and tick labels, nothing focusable; the days say their own values */}
        <g class="axis" aria-hidden="true">
          {[scale, scale / 2, 0].map((m) => (
            <>
              <line x1={LEFT} x2={W} y1={y(m)} y2={y(m)} class={m === 0 ? 'baseline' : 'grid'} />
              <text x={LEFT - 4} y={y(m) + 3.5} text-anchor="end" class="tick">
                {m === 0 ? '0' : hhmm(m)}
              </text>
            </>
          ))}
        </g>
        {series.notSynced ? (
          <text x={LEFT + PLOT_W / 2} y={(TOP + BASE) / 2 + 4} text-anchor="middle" class="empty">
            Not synced yet
          </text>
        ) : (
          series.days.map((d, i) => {
            const cx = LEFT + col * i + col / 2
            const top = d.minutes ? Math.min(BASE - 1.5, y(Math.min(d.minutes, scale))) : BASE
            const today = i === n - 1
            const says = `${d.label}: ${d.minutes === null ? 'no value' : long(d.minutes)}${d.mark ? ` (${d.mark.text})` : ''}`
            return (
              <g
                class={`day${d.mark ? ` mark-${d.mark.kind}` : ''}${today ? ' today' : ''}`}
                data-date={d.date}
                data-value={d.minutes ?? ''}
                data-sent={d.sent}
                data-drift={d.drift ? 'true' : undefined}
                tabindex="0"
                aria-label={says}
              >
                <title>{says}</title>
                <rect class="hit" x={cx - col / 2} y={TOP - 12} width={col} height={H - TOP + 12} />
                {d.minutes ? (
                  <rect
                    class="bar"
                    x={cx - barW / 2}
                    y={top}
                    width={barW}
                    height={BASE - top}
                    rx="2"
                  />
                ) : null}
                <text class="tip" x={cx} y={Math.max(10, top - 3)} text-anchor="middle">
                  {d.minutes === null ? '–' : hhmm(d.minutes)}
                </text>
                {d.mark && <circle class="mark" cx={cx} cy={BASE + 5} r="2.5" />}
                <text class="x" x={cx} y={H - 6} text-anchor="middle">
                  {dayOfMonth(d.date)}
                </text>
              </g>
            )
          })
        )}
      </svg>
      {series.note && <p class="error chart-note">{series.note}</p>}
      {!series.notSynced && (
        <details class="chart-table">
          <summary>
            Table
            {marked.length
              ? ` · ${marked.length} marked ${marked.length === 1 ? 'day' : 'days'}`
              : ''}
          </summary>
          <table>
            <caption>
              {series.label} per day <span class="muted">({series.attribute})</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Time</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {[...series.days].reverse().map((d) => (
                <tr data-date={d.date} class={d.mark ? `mark-${d.mark.kind}` : undefined}>
                  <th scope="row">{d.label}</th>
                  <td class="num">{d.minutes === null ? 'no value' : hhmm(d.minutes)}</td>
                  <td>{d.mark?.text ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  )
}

/** 125 → "2:05": totals and values on the chart. */
export function hhmm(minutes: number): string {
  const h = Math.floor(minutes / 60)
  return `${h}:${String(minutes % 60).padStart(2, '0')}`
}

/** 125 → "2 h 5 min", for screen readers and tooltips. */
export function long(minutes: number): string {
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}

function dayOfMonth(date: string): string {
  return String(Number(date.slice(8, 10)))
}
