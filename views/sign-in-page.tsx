/** Sign in: "Sign in with Exist" (OAuth) when a client is configured, otherwise an Exist personal token. */
import { CsrfField, Field, Layout, type PageContext } from './layout.tsx'

export function SignInPage(props: {
  ctx: PageContext
  oauth: boolean
  error?: string | undefined
}) {
  return (
    <Layout title="Sign in" ctx={props.ctx}>
      <section class="hero">
        <h1>Your tracked time, in Exist</h1>
        <p>
          Timebridge reads your Toggl Track or Clockify time entries every hour and keeps Exist's
          Productive time, Watching TV, Time gaming and other duration attributes equal to what you
          tracked, day by day, for the last two weeks.
        </p>
      </section>
      {props.oauth ? (
        <section class="card">
          <h2>Sign in</h2>
          {props.error && (
            <p class="error" role="alert">
              {props.error}
            </p>
          )}
          <p>
            Exist asks you to allow Timebridge to read and write your Productivity and Media
            attributes.
          </p>
          <p>
            <a class="button primary" href="/auth/exist">
              Sign in with Exist
            </a>
          </p>
        </section>
      ) : (
        <section class="card">
          <h2>Sign in with an Exist token</h2>
          <form method="post" action="/signin/token">
            <CsrfField token={props.ctx.csrf} />
            <Field
              name="existToken"
              label="Exist personal token"
              type="password"
              error={props.error}
              help={
                <>
                  In Exist, open{' '}
                  <a href="https://exist.io/account/apps/">Account → Developer clients</a>, create a
                  client, and copy the personal token shown for your own account. It is stored
                  encrypted and never shown again.
                </>
              }
            />
            <button type="submit" class="primary">
              Sign in
            </button>
          </form>
        </section>
      )}
    </Layout>
  )
}
