/** The step before a mapping takes an attribute another service fills: who loses it and which days get rewritten. */
import { CsrfField, Layout, type PageContext } from './layout.tsx'

export interface Takeover {
  label: string
  owner: string
}

export function MappingConfirmPage(props: {
  ctx: PageContext
  takeovers: Takeover[]
  /** Labels of attributes Timebridge starts syncing with this save. */
  starting: string[]
  days: { first: string; last: string; count: number }
  /** The submitted form, sent again when confirmed. */
  fields: [string, string][]
}) {
  return (
    <Layout title="Confirm mapping" ctx={props.ctx} nav="mapping">
      <h1>Take over from another service?</h1>
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
          The next sync sets <strong>{props.starting.join(', ')}</strong> for the {props.days.count}{' '}
          days from <strong>{props.days.first}</strong> to <strong>{props.days.last}</strong> to the
          time you tracked. Values Exist holds for those days are replaced; earlier days are not
          touched.
        </p>
      </section>
      <form method="post" action="/mapping" class="actions">
        <CsrfField token={props.ctx.csrf} />
        {props.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="yes" />
        <button type="submit" class="primary">
          Take over and save
        </button>
        <a class="button" href="/mapping">
          Cancel
        </a>
      </form>
    </Layout>
  )
}
