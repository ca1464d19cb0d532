/** Signing in (Exist OAuth, or an Exist personal token when no OAuth client is configured), signing out, and the page after Disconnect. */
import { Hono } from 'hono'
import { z } from 'zod'
import { MessagePage } from '../../../views/message-page.tsx'
import { SignInPage } from '../../../views/sign-in-page.tsx'
import {
  type ConnectResult,
  connectUser,
  type ExistAuth,
  existAuthFromCode,
  existSignInUrl,
} from '../../accounts/connect-user.ts'
import { ApiError } from '../../clients/api-client.ts'
import { InputError } from '../../core/input-error.ts'
import { bumpSessionVersion, connectedSources } from '../../store/user-store.ts'
import type { AppEnv } from '../app-env.ts'
import { check, ExistTokenForm, formFields } from '../forms.ts'
import { plainError } from '../plain-words.ts'
import { cookieJar, OAUTH_STATE_COOKIE, randomId, seal, unseal } from '../session.ts'
import { type AppContext, page, redirectWith, render, startSession } from '../web.ts'

const STATE_TTL_S = 600
const StateShape = z.object({ s: z.string().min(16), t: z.number() })
const CallbackQuery = z.object({
  code: z.string().min(1).max(500).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
})

export function authRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/signin', (c) => {
    if (c.var.user) return c.redirect('/', 303)
    const errors = c.var.flash?.form?.errors
    return render(
      c,
      <SignInPage
        ctx={page(c)}
        oauth={Boolean(c.var.deps.config.existOAuth)}
        error={errors?.existToken ?? errors?.form}
      />,
    )
  })

  app.post('/signin/token', async (c) => {
    const { deps } = c.var
    if (deps.config.existOAuth) return c.notFound()
    const form = check(ExistTokenForm, await formFields(c))
    if (!form.ok)
      return refused(c, form.errors.existToken ?? 'Paste your Exist token', 'existToken')
    return signIn(c, { kind: 'personal', token: form.data.existToken }, (error) =>
      refused(c, error, 'existToken'),
    )
  })

  app.get('/auth/exist', async (c) => {
    const { deps } = c.var
    const client = deps.config.existOAuth
    if (!client) return c.notFound()
    const state = randomId(24)
    cookieJar(deps.config.publicUrl).set(
      c,
      OAUTH_STATE_COOKIE,
      await seal(deps.box, 'oauth-state', { s: state, t: deps.now() }),
      STATE_TTL_S,
    )
    return c.redirect(existSignInUrl(deps, client, state), 302)
  })

  app.get('/auth/exist/callback', async (c) => {
    const { deps } = c.var
    const client = deps.config.existOAuth
    if (!client) return c.notFound()
    const jar = cookieJar(deps.config.publicUrl)
    const saved = await unseal(deps.box, 'oauth-state', jar.get(c, OAUTH_STATE_COOKIE), StateShape)
    jar.delete(c, OAUTH_STATE_COOKIE)
    const fail = (error: string) => refused(c, error, 'form')
    const query = CallbackQuery.safeParse(c.req.query())
    if (!query.success)
      return fail('Exist sent back an address Timebridge does not understand. Try again.')
    const { code, state, error } = query.data
    if (!saved || !state || saved.s !== state || deps.now() - saved.t > STATE_TTL_S * 1000) {
      return fail(
        'This sign-in link expired or was started in another browser. Press "Sign in with Exist" again.',
      )
    }
    if (error) {
      return fail(
        error === 'access_denied'
          ? 'You did not allow access in Exist, so you are not signed in.'
          : `Exist did not sign you in (${error}).`,
      )
    }
    if (!code) return fail('Exist sent no authorisation code. Try again.')
    let auth: ExistAuth
    try {
      auth = await existAuthFromCode(deps, client, code)
    } catch (err) {
      if (err instanceof ApiError)
        return fail(`Exist did not accept the sign-in: ${plainError(err.message)}`)
      throw err
    }
    return signIn(c, auth, fail)
  })

  app.post('/signout', async (c) => {
    // Every cookie of this user stops working, including copies of this one.
    if (c.var.user) await bumpSessionVersion(c.var.deps.db, c.var.user.id)
    await startSession(c, undefined)
    return redirectWith(c, '/signin', {
      kind: 'ok',
      text: 'You are signed out. Syncing goes on every hour.',
    })
  })

  app.get('/bye', (c) => {
    if (c.var.user) return c.redirect('/', 303)
    return render(
      c,
      <MessagePage ctx={page(c)} title="Disconnected">
        {c.var.flash ? null : <p>You are not signed in.</p>}
        <p>
          <a href="/signin">Sign in again</a> to start over.
        </p>
      </MessagePage>,
    )
  })

  return app
}

/** Back to the sign-in page with the reason next to the field (the token itself is never sent back). */
function refused(c: AppContext, error: string, field: string): Promise<Response> {
  return redirectWith(c, '/signin', {
    kind: 'error',
    text: '',
    form: { errors: { [field]: error } },
  })
}

/** Validates the Exist token, creates or updates the user, and starts a signed-in session. */
async function signIn(
  c: AppContext,
  auth: ExistAuth,
  fail: (error: string) => Promise<Response>,
): Promise<Response> {
  const { deps } = c.var
  let result: ConnectResult
  try {
    result = await connectUser(deps, auth)
  } catch (error) {
    if (error instanceof InputError) return fail(plainError(error.message))
    if (error instanceof ApiError) return fail(plainError(error.message))
    throw error
  }
  // One signed-in browser at a time: signing in ends the user's other sessions (a cookie copied
  // from them, or one left on another computer, stops working).
  const sessionVersion = await bumpSessionVersion(deps.db, result.user)
  await startSession(c, { id: result.user, existUsername: result.exist_username, sessionVersion })
  const sources = await connectedSources(deps.db, result.user)
  return redirectWith(c, sources.length ? '/status' : '/connect', {
    kind: 'ok',
    text: result.created
      ? `Welcome, ${result.exist_username}. Next: connect Toggl Track or Clockify.`
      : `Signed in as ${result.exist_username}.${sources.length ? '' : ' Next: connect Toggl Track or Clockify.'}`,
  })
}
