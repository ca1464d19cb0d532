/** Time sources: paste a Toggl Track API token or a Clockify API key (checked with the service before anything is stored), or disconnect one. */
import type { Child } from 'hono/jsx'
import { CsrfField, Field, Layout, type PageContext } from './layout.tsx'

export interface SourceState {
  source: 'toggl' | 'clockify'
  label: string
  connected: boolean
  /** Why it was paused or disconnected automatically (e.g. the token was revoked). */
  reason: string | null
  /** Set while the source is paused: the local day it will be disconnected. */
  pausedUntil?: string | null
  projects: number
}

export interface ConnectErrors {
  togglToken?: string | undefined
  clockifyKey?: string | undefined
  clockifyRegion?: string | undefined
  /** A refusal that belongs to no single field. */
  form?: string | undefined
}

export const CLOCKIFY_REGION_CHOICES: readonly [string, string][] = [
  ['global', 'Global (most accounts)'],
  ['eu', 'EU (Germany)'],
  ['us', 'USA'],
  ['uk', 'UK'],
  ['au', 'Australia'],
]

export function ConnectPage(props: {
  ctx: PageContext
  toggl: SourceState
  clockify: SourceState
  errors?: ConnectErrors
  /** Region picked in a refused submit, shown again. */
  region?: string
}) {
  const errors = props.errors ?? {}
  return (
    <Layout title="Time sources" ctx={props.ctx} nav="connect">
      <h1>Time sources</h1>
      <p>
        Connect the service you track time in. Timebridge checks the token with the service, stores
        it encrypted and never shows it again.
      </p>
      {errors.form && (
        <p class="notice bad" role="alert">
          {errors.form}
        </p>
      )}
      <SourceCard state={props.toggl} action="/connect/toggl" csrf={props.ctx.csrf}>
        <Field
          name="togglToken"
          label="Toggl Track API token"
          type="password"
          error={errors.togglToken}
          help={
            <>
              In Toggl Track open <a href="https://track.toggl.com/profile">Profile settings</a> and
              scroll to <strong>API Token</strong> at the bottom; click to reveal it and copy it
              here.
            </>
          }
        />
      </SourceCard>
      <SourceCard state={props.clockify} action="/connect/clockify" csrf={props.ctx.csrf}>
        <Field
          name="clockifyKey"
          label="Clockify API key"
          type="password"
          error={errors.clockifyKey}
          help={
            <>
              In Clockify open{' '}
              <a href="https://app.clockify.me/manage-api-keys">
                Profile settings → Advanced → Manage API keys
              </a>
              , generate a key and copy it here.
            </>
          }
        />
        <div class={`field${errors.clockifyRegion ? ' has-error' : ''}`}>
          <label for="f-clockifyRegion">Clockify data region</label>
          <select id="f-clockifyRegion" name="clockifyRegion">
            {CLOCKIFY_REGION_CHOICES.map(([value, label]) => (
              <option value={value} selected={(props.region ?? 'global') === value}>
                {label}
              </option>
            ))}
          </select>
          <p class="help">
            A key works only in its own region; pick the one your workspace's data is stored in.
          </p>
          {errors.clockifyRegion && (
            <p class="error" role="alert">
              {errors.clockifyRegion}
            </p>
          )}
        </div>
      </SourceCard>
    </Layout>
  )
}

function SourceCard(props: { state: SourceState; action: string; csrf: string; children: Child }) {
  const { state } = props
  return (
    <section class="card" id={state.source}>
      <h2>{state.label}</h2>
      {state.connected ? (
        <p class="ok-line">
          Connected: {state.projects} project{state.projects === 1 ? '' : 's'} found.{' '}
          <a href="/mapping">Choose which attribute each project feeds →</a>
        </p>
      ) : state.pausedUntil ? (
        <p class="notice bad" role="alert">
          {state.label} is paused: {state.reason}. Paste a new token for the same account below to
          resume; your mappings are kept. If it is not connected again, it is disconnected on{' '}
          {state.pausedUntil}.
        </p>
      ) : state.reason ? (
        <p class="notice bad" role="alert">
          {state.label} was disconnected: {state.reason}.
        </p>
      ) : null}
      {state.connected && (
        <p class="muted">
          Paste a new one below to replace the saved one (e.g. after you reset it).
        </p>
      )}
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        {props.children}
        <button type="submit" class="primary">
          {state.connected
            ? 'Replace'
            : state.pausedUntil
              ? `Connect ${state.label} again`
              : `Connect ${state.label}`}
        </button>
        {(state.connected || state.pausedUntil) && (
          <>
            {' '}
            <a class="button" href={`/sources/${state.source}/disconnect`}>
              Disconnect {state.label}…
            </a>
          </>
        )}
      </form>
    </section>
  )
}
