/** Connect Toggl Track: paste an API token (checked against Toggl before anything is stored), or disconnect it. */
import { CsrfField, Field, Layout, type PageContext } from './layout.tsx'

export interface SourceState {
  source: string
  label: string
  connected: boolean
  /** Why it was disconnected automatically (e.g. the token was revoked). */
  reason: string | null
  projects: number
}

export function ConnectPage(props: { ctx: PageContext; toggl: SourceState; error?: string | undefined }) {
  const { toggl } = props
  return (
    <Layout title="Connect Toggl Track" ctx={props.ctx} nav="connect">
      <h1>Toggl Track</h1>
      {toggl.connected ? (
        <section class="card">
          <p class="ok-line">
            Connected: {toggl.projects} project{toggl.projects === 1 ? '' : 's'} found.{' '}
            <a href="/mapping">Choose which attribute each project feeds →</a>
          </p>
          <p class="muted">Paste a token below to replace the saved one (for example after you reset it in Toggl).</p>
        </section>
      ) : toggl.reason ? (
        <section class="notice bad" role="alert">
          <p>Toggl Track was disconnected: {toggl.reason}.</p>
        </section>
      ) : (
        <p>Paste your Toggl Track API token so Timebridge can read your time entries and projects.</p>
      )}
      <section class="card">
        <form method="post" action="/connect/toggl">
          <CsrfField token={props.ctx.csrf} />
          <Field
            name="togglToken"
            label="Toggl Track API token"
            type="password"
            error={props.error}
            help={
              <>
                In Toggl Track open <a href="https://track.toggl.com/profile">Profile settings</a> and scroll to{' '}
                <strong>API Token</strong> at the bottom; click to reveal it and copy it here. Timebridge checks it with
                Toggl, stores it encrypted and never shows it again.
              </>
            }
          />
          <button type="submit" class="primary">
            {toggl.connected ? 'Replace token' : 'Connect Toggl Track'}
          </button>
        </form>
      </section>
      {toggl.connected && (
        <section class="card danger-zone">
          <h2>Disconnect Toggl Track</h2>
          <p>Forget the token, the project list and the mappings of Toggl projects.</p>
          <a class="button danger" href="/sources/toggl/disconnect">
            Disconnect Toggl Track…
          </a>
        </section>
      )}
    </Layout>
  )
}
