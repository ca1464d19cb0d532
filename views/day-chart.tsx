/** Minutes per day of one attribute as a server-rendered SVG bar chart: one row per day, the number written beside each bar. */

export interface ChartDay {
  date: string
  /** Short label, e.g. "Mon 9 Nov" or "Today". */
  label: string
  /** The value drawn: what Exist holds when the drift check read it, else what Timebridge sent. */
  minutes: number
  /** Minutes Timebridge sent for the day (the ledger). */
  sent: number
  /** Minutes Exist holds as last read back (null: not read yet). */
  exist: number | null
  /** Exist holds another number than Timebridge sent (never for a pending day). */
  drift: boolean
  /** Says the difference in words, e.g. "Exist shows 95 min, Timebridge sent 120 min on Tue 24 Nov". */
  note: string | null
  /** Sent but not yet confirmed by Exist (or waiting for the next run). */
  pending: boolean
  error: string | null
}

export interface ChartSeries {
  attribute: string
  label: string
  refused: boolean
  days: ChartDay[]
}

// Units of the viewBox, drawn 1:1 on wide screens (max-width in app.css) and scaled down to the column on a
// phone (about 350 px), where 15-unit text stays about 12 px.
const ROW = 26
const LABEL_W = 108
const VALUE_W = 84
const WIDTH = 440
const BAR_MAX = WIDTH - LABEL_W - VALUE_W

export function DayChart(props: { series: ChartSeries }) {
  const { series } = props
  const max = Math.max(60, ...series.days.map((d) => d.minutes))
  const height = series.days.length * ROW + 4
  const total = series.days.reduce((sum, d) => sum + d.minutes, 0)
  return (
    <figure class="chart" data-attribute={series.attribute}>
      <figcaption>
        <strong>{series.label}</strong> <span class="muted">({series.attribute})</span>{' '}
        <span class="muted">
          · {formatMinutes(total)} in {series.days.length} days
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        role="img"
        aria-label={`${series.label}, minutes per day`}
        class="day-chart"
      >
        {series.days.map((d, i) => {
          const y = i * ROW + 2
          const w = d.minutes === 0 ? 0 : Math.max(2, Math.round((d.minutes / max) * BAR_MAX))
          const state = d.error ? 'refused' : d.pending ? 'pending' : d.drift ? 'drift' : 'sent'
          return (
            <g
              class={`day ${state}`}
              data-date={d.date}
              data-value={d.minutes}
              data-sent={d.sent}
              data-drift={d.drift ? 'true' : undefined}
            >
              <title>{`${d.label} (${d.date}): ${d.minutes} minutes${d.minutes >= 60 ? ` = ${formatMinutes(d.minutes)}` : ''}${
                d.error
                  ? ` — Exist refused it: ${d.error}`
                  : d.pending
                    ? ' — waiting for Exist to confirm'
                    : d.note
                      ? ` — ${d.note}`
                      : ''
              }`}</title>
              <text x={LABEL_W - 8} y={y + 18} text-anchor="end" class="day-label">
                {d.label}
              </text>
              <rect x={LABEL_W} y={y + 3} width={BAR_MAX} height={ROW - 6} class="track" rx="3" />
              {w > 0 && (
                <rect x={LABEL_W} y={y + 3} width={w} height={ROW - 6} class="bar" rx="3" />
              )}
              <text x={LABEL_W + BAR_MAX + 6} y={y + 18} class="value">
                {`${d.minutes} min${d.error ? ' ✕' : d.pending ? ' …' : d.drift ? ' ≠' : ''}`}
              </text>
            </g>
          )
        })}
      </svg>
      {series.refused && (
        <p class="error">
          Another service owns this attribute in Exist now, so Timebridge stopped writing to it.
        </p>
      )}
    </figure>
  )
}

export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}
