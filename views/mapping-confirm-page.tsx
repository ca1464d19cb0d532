/** The step before a mapping takes an attribute another service fills, or stops syncing one: who loses it, which days change, and (when stopping) whether to clear the values first. */
import { CsrfField, Layout, type PageContext, Progress } from './layout.tsx'

export interface Takeover {
  label: string
  owner: string
}

export interface Stopping {
  label: string
  /** The projects of this save that fed it. */
  projects: string[]
}

export function MappingConfirmPage(props: {
  ctx: PageContext
  takeovers: Takeover[]
  /** Labels of attributes Timebridge starts syncing with this save. */
  starting: string[]
  stopping: Stopping[]
  days: { first: string; last: string; count: number }
  /** The choices of this save, sent again when confirmed. */
  fields: [string, string][]
}) {
  const { days, stopping } = props
  const range = (
    <>
      the {days.count} days from <strong>{days.first}</strong> to <strong>{days.last}</strong>
    </>
  )
  const title = props.takeovers.length ? 'Take over from another service?' : 'Stop syncing?'
  return (
    <Layout title={title} ctx={props.ctx} nav="mapping">
      <h1>{title}</h1>
      {props.takeovers.length > 0 && (
        <section class="card warning">
          {props.takeovers.map((t) => (
            <p>
              <strong>{t.label}</strong> is filled by <strong>{t.owner}</strong> now. Exist lets one
              service write an attribute: if you continue, Timebridge takes {t.label} over and{' '}
              {t.owner} can no longer write to it (you can give it back on exist.io under Account →
              Attributes).
            </p>
          ))}
          <p>
            The sync that follows sets <strong>{props.starting.join(', ')}</strong> for {range} to
            the time you tracked. Values Exist holds for those days are replaced; earlier days are
            not touched.
          </p>
        </section>
      )}
      {stopping.length > 0 && (
        <section class="card warning" id="stopping">
          {stopping.map((s) => (
            <p>
              <strong>{s.label}</strong> loses its last project
              {s.projects.length ? ` (${s.projects.join(', ')})` : ''}: Timebridge stops syncing it
              and hands it back to Exist.
            </p>
          ))}
          <p>
            Exist still holds the minutes Timebridge sent for {range}. Clear them (each day set to 0
            first), or leave them as they are?
          </p>
        </section>
      )}
      <form method="post" action="/mapping" class="actions" data-progress="">
        <CsrfField token={props.ctx.csrf} />
        {props.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="yes" />
        {stopping.length > 0 ? (
          <>
            <button type="submit" name="stopped" value="clear" class="primary">
              Clear the values and save
            </button>
            <button type="submit" name="stopped" value="keep">
              Leave the values and save
            </button>
          </>
        ) : (
          <button type="submit" class="primary">
            Take over and save
          </button>
        )}
        <a class="button" href="/mapping">
          Cancel
        </a>
        <Progress text="Saving, then syncing with Exist…" />
      </form>
    </Layout>
  )
}
