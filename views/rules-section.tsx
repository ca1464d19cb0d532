/** The rules section of the mapping page: ordered rules (first match wins) with edit, move and delete, and the add form with its Preview. */
import { CsrfField } from './layout.tsx'

export interface RuleLine {
  position: number
  kind: string
  value: string
  attribute: string
}

export interface RuleChoice {
  name: string
  label: string
}

const KINDS: [string, string][] = [
  ['tag', 'Tag is'],
  ['client', 'Client is'],
  ['workspace', 'Workspace is'],
  ['description', 'Description contains'],
  ['project', 'Project id is'],
]

export function RulesSection(props: {
  csrf: string
  rules: RuleLine[]
  options: RuleChoice[]
  form: Record<string, string>
  errors: Record<string, string>
  windowDays: number
}) {
  const { rules, options, form, errors } = props
  const n = rules.length
  return (
    <section class="card rules" id="rules" aria-labelledby="rules-title">
      <h2 id="rules-title">Rules</h2>
      <p>
        Rules send time to an attribute by tag, client, workspace or words in the description (case
        does not matter). They are tried in order before the project choices below; the first rule
        that matches an entry wins, so no entry is counted twice. Entries nothing matches are not
        synced.
      </p>
      {n === 0 ? (
        <p class="muted">No rules yet.</p>
      ) : (
        <ol class="rule-list">
          {rules.map((r) => (
            <li class="rule">
              <form method="post" action={`/mapping/rules/${r.position}`} class="rule-edit">
                <CsrfField token={props.csrf} />
                <KindSelect id={`rule-${r.position}-kind`} selected={r.kind} />
                <label class="visually-hidden" for={`rule-${r.position}-value`}>
                  Match
                </label>
                <input
                  id={`rule-${r.position}-value`}
                  name="value"
                  value={r.value}
                  maxlength={200}
                  required
                />
                <AttributeSelect
                  id={`rule-${r.position}-attribute`}
                  options={options}
                  selected={r.attribute}
                />
                <button type="submit">Save</button>
              </form>
              <form method="post" action={`/mapping/rules/${r.position}/move`} class="inline">
                <CsrfField token={props.csrf} />
                <button type="submit" name="direction" value="up" disabled={r.position === 1}>
                  Up
                </button>
                <button type="submit" name="direction" value="down" disabled={r.position === n}>
                  Down
                </button>
              </form>
              <form method="post" action={`/mapping/rules/${r.position}/delete`} class="inline">
                <CsrfField token={props.csrf} />
                <button type="submit" class="danger">
                  Delete
                </button>
              </form>
            </li>
          ))}
        </ol>
      )}
      <form method="post" action="/mapping/rules" class="rule-add">
        <CsrfField token={props.csrf} />
        <p class="rule-add-title">
          <strong>Add a rule</strong>
        </p>
        <KindSelect id="rule-kind" selected={form.kind ?? 'tag'} error={errors.kind} />
        <TextInput
          id="rule-value"
          name="value"
          label="Match"
          value={form.value ?? ''}
          maxlength={200}
          placeholder="reading"
          error={errors.value}
        />
        <AttributeSelect
          id="rule-attribute"
          options={options}
          selected={form.attribute ?? ''}
          error={errors.attribute}
          empty="— choose —"
        />
        <TextInput
          id="rule-new-attribute"
          name="newAttribute"
          label="or a new attribute"
          value={form.newAttribute ?? ''}
          maxlength={40}
          placeholder="Deep work"
          error={errors.newAttribute}
        />
        <label for="rule-position">Place</label>
        <select id="rule-position" name="position">
          {Array.from({ length: n + 1 }, (_, i) => i + 1).map((p) => (
            <option value={String(p)} selected={(form.position ?? String(n + 1)) === String(p)}>
              {p === n + 1 ? 'last' : `before rule ${p}`}
            </option>
          ))}
        </select>
        {errors.position && (
          <p class="error" role="alert">
            {errors.position}
          </p>
        )}
        <div class="actions">
          <button type="submit" name="action" value="preview">
            Preview
          </button>
          <button type="submit" name="action" value="add" class="primary">
            Add rule
          </button>
          <span class="muted">
            Preview reads the last {props.windowDays} days from your time source once.
          </span>
        </div>
      </form>
    </section>
  )
}

/** The reason the last submit refused a field, right below it; nothing when it was not refused. */
function FieldError(props: { error?: string | undefined }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null
}

/** A labelled text input of the add-rule form and, when the last submit was refused, the reason below it. */
function TextInput(props: {
  id: string
  name: string
  label: string
  value: string
  maxlength: number
  placeholder: string
  error?: string | undefined
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        value={props.value}
        maxlength={props.maxlength}
        placeholder={props.placeholder}
        aria-invalid={props.error ? 'true' : undefined}
      />
      <FieldError error={props.error} />
    </>
  )
}

function KindSelect(props: { id: string; selected: string; error?: string | undefined }) {
  return (
    <>
      <label for={props.id}>Rule</label>
      <select id={props.id} name="kind" aria-invalid={props.error ? 'true' : undefined}>
        {KINDS.map(([k, label]) => (
          <option value={k} selected={props.selected === k}>
            {label}
          </option>
        ))}
      </select>
      <FieldError error={props.error} />
    </>
  )
}

function AttributeSelect(props: {
  id: string
  options: RuleChoice[]
  selected: string
  error?: string | undefined
  empty?: string
}) {
  const known = props.options.some((o) => o.name === props.selected)
  return (
    <>
      <label for={props.id}>Attribute</label>
      <select id={props.id} name="attribute" aria-invalid={props.error ? 'true' : undefined}>
        {props.empty && <option value="">{props.empty}</option>}
        {props.options.map((o) => (
          <option value={o.name} selected={props.selected === o.name}>
            {o.label}
          </option>
        ))}
        {props.selected && !known && (
          <option value={props.selected} selected>
            {props.selected}
          </option>
        )}
      </select>
      <FieldError error={props.error} />
    </>
  )
}
