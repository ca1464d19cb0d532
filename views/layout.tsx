/** The page frame every view renders into: head with the static CSS and script, navigation, flash message. */
import type { Child } from 'hono/jsx'

/** A one-shot message shown at the top of the next page (the web layer carries it in a signed cookie). */
export interface Flash {
  kind: 'ok' | 'error'
  text: string
  lines?: string[] | undefined
  /** A refused form, shown again on the page it came from: its non-secret values and one message per field. */
  form?:
    | {
        values?: Record<string, string> | undefined
        errors?: Record<string, string> | undefined
      }
    | undefined
}

export type NavKey = 'status' | 'mapping' | 'connect' | null

export interface PageContext {
  /** Exist username of the signed-in user, or null. */
  username: string | null
  csrf: string
  flash: Flash | null
}

export function Layout(props: {
  title: string
  ctx: PageContext
  nav?: NavKey
  /** Room for the charts (the status page). */
  wide?: boolean
  children: Child
}) {
  const { ctx } = props
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{`${props.title} · Timebridge`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            <Logo /> Timebridge
          </a>
          {ctx.username && (
            <nav aria-label="Main">
              <NavLink href="/status" label="Status" active={props.nav === 'status'} />
              <NavLink href="/mapping" label="Mapping" active={props.nav === 'mapping'} />
              <NavLink href="/connect" label="Sources" active={props.nav === 'connect'} />
              <form method="post" action="/signout" class="inline">
                <CsrfField token={ctx.csrf} />
                <button type="submit" class="nav-link" title={`Signed in as ${ctx.username}`}>
                  Sign out
                </button>
              </form>
            </nav>
          )}
        </header>
        <main class={props.wide ? 'wide' : undefined}>
          {ctx.flash && <FlashBox flash={ctx.flash} />}
          {props.children}
        </main>
        <footer class={props.wide ? 'wide' : undefined}>
          {ctx.username ? <span>Signed in to Exist as {ctx.username}. </span> : null}
          Timebridge moves tracked time from Toggl Track and Clockify into{' '}
          <a href="https://exist.io/">Exist</a>.
        </footer>
      </body>
    </html>
  )
}

function NavLink(props: { href: string; label: string; active: boolean }) {
  return (
    <a class="nav-link" href={props.href} aria-current={props.active ? 'page' : undefined}>
      {props.label}
    </a>
  )
}

/** The mark: two day-bars joined by a bridge arc (same drawing as /static/favicon.svg). */
export function Logo() {
  return (
    <svg class="logo" width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" class="logo-bg" />
      <rect x="7" y="14" width="5" height="11" rx="1.5" class="logo-bar" />
      <rect x="20" y="9" width="5" height="16" rx="1.5" class="logo-bar" />
      <path
        d="M6 13 Q16 3 26 8"
        class="logo-arc"
        fill="none"
        stroke-width="2.5"
        stroke-linecap="round"
      />
    </svg>
  )
}

/** Shown by app.js while a form that runs a sync is on its way (stays hidden without JavaScript). */
export function Progress(props: { text: string }) {
  return (
    <p class="progress" hidden aria-live="polite">
      <span class="spinner" aria-hidden="true"></span>
      <span class="progress-text">{props.text}</span>
    </p>
  )
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />
}

export function FlashBox(props: { flash: Flash }) {
  const { flash } = props
  // A refused form carries its messages to the fields; it may have no headline of its own.
  if (!flash.text && !flash.lines?.length) return null
  return (
    <div
      class={`notice ${flash.kind === 'error' ? 'bad' : 'good'}`}
      role={flash.kind === 'error' ? 'alert' : 'status'}
    >
      {flash.text && <p>{flash.text}</p>}
      {flash.lines && flash.lines.length > 0 && (
        <ul>
          {flash.lines.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** A labelled input with its help text and, when the last submit was refused, the reason right below it. */
export function Field(props: {
  name: string
  label: string
  error?: string | undefined
  help?: Child
  type?: 'text' | 'password'
  autocomplete?: string
}) {
  const id = `f-${props.name}`
  const describedBy = [props.help ? `${id}-help` : '', props.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ')
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete ?? 'off'}
        spellcheck={false}
        required
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.help && (
        <p class="help" id={`${id}-help`}>
          {props.help}
        </p>
      )}
      {props.error && (
        <p class="error" id={`${id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  )
}

/** A project colour as an SVG dot: presentation attributes pass the CSP, inline styles would not. */
export function Swatch(props: { color: string | null }) {
  const fill = props.color && /^#[0-9a-fA-F]{6}$/.test(props.color) ? props.color : '#9aa3b2'
  return (
    <svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
      <circle cx="6" cy="6" r="6" fill={fill} />
    </svg>
  )
}
