/** The status page's block for paused sources: why, what is held, how to resume, and the date it will be disconnected. */

export interface PausedSource {
  source: string
  /** e.g. "Toggl Track". */
  label: string
  /** Local day the pause began, e.g. "Fri 20 Nov 2026". */
  since: string
  /** Local day it will be disconnected if not connected again. */
  disconnectsOn: string
  /** Why, in plain words. */
  why: string
  /** Labels of the attributes held (not written) meanwhile. */
  attributes: string[]
}

export function PausedSources(props: { paused: PausedSource[] }) {
  if (props.paused.length === 0) return null
  return (
    <section class="notice bad paused-sources" role="alert">
      {props.paused.map((p) => (
        <div data-paused={p.source}>
          <h2>
            {p.label} is paused since {p.since}
          </h2>
          <p>{p.why}</p>
          <p>
            {p.attributes.length > 0
              ? `Until it is connected again, ${p.attributes.join(', ')} ${p.attributes.length === 1 ? 'keeps' : 'keep'} what Exist holds (nothing is written to ${p.attributes.length === 1 ? 'it' : 'them'}).`
              : `Nothing is read from ${p.label} until it is connected again.`}{' '}
            <a href="/connect">Paste a new {p.label} token</a> for the same account to resume: your
            mappings are kept and the next run catches up.
          </p>
          <p>
            <strong>
              If {p.label} is not connected again, Timebridge disconnects it on {p.disconnectsOn}
            </strong>
            : its mappings are removed and the attributes handed back to Exist (Exist keeps its
            values).
          </p>
        </div>
      ))}
    </section>
  )
}
