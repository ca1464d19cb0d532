/** The web app: one Hono app for Node and Workers, built from its dependencies. */
import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import { MessagePage } from '../../views/message-page.tsx'
import type { Deps } from '../deps.ts'
import { isSchemaMessage, MIGRATE_FIX, rootMessage, schemaProblem } from '../store/schema-check.ts'
import { findUser } from '../store/user-store.ts'
import type { AppEnv } from './app-env.ts'
import { clientAddress, limitTokenTries, type PeerAddress } from './rate-limit.tsx'
import { accountRoutes } from './routes/account-routes.tsx'
import { authRoutes } from './routes/auth-routes.tsx'
import { historyRoutes } from './routes/history-routes.tsx'
import { mappingRoutes } from './routes/mapping-routes.tsx'
import { ruleRoutes } from './routes/rule-routes.tsx'
import { sourceRoutes } from './routes/source-routes.tsx'
import { statusRoutes } from './routes/status-routes.tsx'
import {
  checkCsrf,
  cookieJar,
  csrfToken,
  FLASH_COOKIE,
  needsRenewal,
  newSession,
  readFlash,
  readSession,
  SESSION_COOKIE,
  sessionHolds,
  writeSession,
} from './session.ts'
import { type AppContext, page, render } from './web.ts'

export interface AppOptions {
  /** Serves /static/* (CSS, JS). Node passes serveStatic; on Workers the assets binding answers first. */
  assets?: MiddlewareHandler
  /** The runtime's idea of the client address (socket peer on Node, CF-Connecting-IP on Workers). */
  peerAddress?: PeerAddress
  /** What brings the database up to date on this runtime (default: Node's). */
  migrateFix?: string
  /** Carries on a history import started on the web past its first chunk (Workers: a queue message). */
  continueImport?: (userId: number) => Promise<void>
}

export type App = Hono<AppEnv>

export function createApp(deps: Deps, opts: AppOptions = {}): App {
  const app = new Hono<AppEnv>()
  const jar = cookieJar(deps.config.publicUrl)

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
      strictTransportSecurity: deps.config.publicUrl.startsWith('https://')
        ? 'max-age=31536000'
        : false,
    }),
  )

  // An unmigrated or outdated database (e.g. `wrangler d1 migrations apply` forgotten) is told
  // as such everywhere: /healthz answers 503, every page names the fix, the log says what is
  // missing. Checked until it first passes; a query that later finds a table or column missing
  // (a database restored from an old backup) starts checking again.
  const migrateFix = opts.migrateFix ?? MIGRATE_FIX.node
  let schemaReady = false
  const schemaState = async (): Promise<string | undefined> => {
    if (schemaReady) return undefined
    const problem = await schemaProblem(deps.db)
    if (problem) deps.log.error('schema_not_migrated', { error: problem, fix: migrateFix })
    else schemaReady = true
    return problem
  }
  const notMigrated = (c: AppContext, problem: string) =>
    render(
      c,
      <MessagePage ctx={page(c)} title="Timebridge's database is not set up">
        <p>
          The database is missing what this version of Timebridge needs ({problem}). To fix it,{' '}
          {migrateFix}.
        </p>
      </MessagePage>,
      503,
    )

  app.get('/healthz', async (c) => {
    const problem = await schemaState()
    if (problem)
      return c.json(
        { ok: false, error: `The database is not migrated (${problem}): ${migrateFix}.` },
        503,
      )
    return c.json({ ok: true, time: new Date(deps.now()).toISOString() })
  })
  if (opts.assets) app.use('/static/*', opts.assets)
  app.use('*', async (c, next) => {
    const problem = await schemaState()
    return problem ? notMigrated(c, problem) : next()
  })

  // Session: read the signed cookie, load the user fresh. A disconnected user, a bumped session
  // version (signed out, or signed in elsewhere) or a sign-in older than 30 days ends it at once.
  app.use('*', async (c, next) => {
    c.set('deps', deps)
    const now = deps.now()
    let session = (await readSession(deps.box, jar.get(c, SESSION_COOKIE), now)) ?? newSession(now)
    let user = null
    if (session.u !== undefined) {
      const row = await findUser(deps.db, session.u)
      if (sessionHolds(session, row, now)) user = row ?? null
      else session = newSession(now)
    }
    if (needsRenewal(session, now))
      await writeSession(c, deps.box, deps.config.publicUrl, { ...session, t: now })
    c.set('session', session)
    c.set('user', user)
    c.set('csrf', await csrfToken(deps.box, session))
    const rawFlash = c.req.method === 'GET' ? jar.get(c, FLASH_COOKIE) : undefined
    c.set('flash', (rawFlash && (await readFlash(deps.box, rawFlash))) || null)
    await next()
    const page = c.res.headers.get('Content-Type')?.startsWith('text/html')
    // A flash is spent once a page showed it (a redirect passes it on).
    if (rawFlash && page) jar.delete(c, FLASH_COOKIE)
    // Pages carry CSRF tokens and personal data: never cache them. Nor redirects: Back and Forward
    // reuse cached answers even when stale, so a "/ → /signin" kept from before signing in would loop.
    const redirect = c.res.status >= 300 && c.res.status < 400
    if (page || redirect) c.header('Cache-Control', 'no-store')
  })

  // hono/csrf first: a form POST from a browser must come from our own pages, by its Sec-Fetch-Site
  // (same-origin) or its Origin (the public URL's, or the address the request came to). Every
  // browser sends Origin with a POST, so a request with neither header is no browser's and cannot
  // be a cross-site forgery; the session token below is still required of it. hono's verdict is
  // taken without letting it answer, so a refusal gets the page below.
  const sameOrigin = csrf({
    origin: (origin, c) =>
      origin === new URL(deps.config.publicUrl).origin || origin === new URL(c.req.url).origin,
  })
  // A POST is refused before its body is read when it cannot pass the CSRF check anyway: no
  // session cookie came with it, another site sent it, or it is not a form. That keeps refusing
  // an anonymous flood cheap (no parsing, no buffering).
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const fromBrowser =
      c.req.header('Origin') !== undefined || c.req.header('Sec-Fetch-Site') !== undefined
    if (fromBrowser && !(await passes(sameOrigin, c))) return csrfFailed(c, deps)
    const type = c.req.header('Content-Type') ?? ''
    const formPost = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)
    const crossSite = c.req.header('Sec-Fetch-Site') === 'cross-site'
    if (!c.var.session.fresh && formPost && !crossSite) return next()
    return csrfFailed(c, deps)
  })
  // Then at most BODY_LIMIT bytes are read: a longer Content-Length is refused unread, and a
  // chunked body is cut off as soon as it grows past the limit.
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT,
      onError: (c) =>
        render(
          c,
          <MessagePage ctx={page(c)} title="Too much data">
            <p>
              This form sent more than {BODY_LIMIT / 1024} KB, which no Timebridge form needs.
              Nothing was changed. <a href="/">Go to the start page</a>.
            </p>
          </MessagePage>,
          413,
        ),
    }),
  )
  // Every POST carries the session's CSRF token.
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const body = await c.req.parseBody()
    if (!(await checkCsrf(deps.box, c.var.session, body._csrf))) return csrfFailed(c, deps)
    return next()
  })

  // Forms that relay a token to Exist, Toggl or Clockify: limited, so guesses are not relayed.
  const limit = limitTokenTries((c) =>
    clientAddress(c, deps.config.clientIpHeader, opts.peerAddress),
  )
  app.use('/signin/token', limit)
  app.use('/connect/*', limit)

  app.route('/', authRoutes())
  // Everything below needs a signed-in user.
  app.use('*', async (c, next) => {
    if (!c.var.user) return c.redirect('/signin', 303)
    return next()
  })
  app.route('/', statusRoutes())
  app.route('/', sourceRoutes())
  app.route('/', mappingRoutes())
  app.route('/', ruleRoutes())
  app.route('/', accountRoutes())
  app.route('/', historyRoutes(opts.continueImport))

  app.notFound((c) =>
    render(
      c,
      <MessagePage ctx={page(c)} title="Not found">
        <p>
          There is no page at this address. <a href="/">Go to the start page</a>.
        </p>
      </MessagePage>,
      404,
    ),
  )
  app.onError((error, c) => {
    const cause = rootMessage(error)
    if (isSchemaMessage(cause)) {
      schemaReady = false
      deps.log.error('schema_not_migrated', { path: c.req.path, error: cause, fix: migrateFix })
      return notMigrated(c, cause)
    }
    // The driver's own words (e.g. "no such table", "database is locked") and, for a failed
    // query, its first line (the SQL, never the parameters, which may hold sealed tokens).
    const outer = error instanceof Error ? (error.message.split('\n')[0] ?? '') : ''
    deps.log.error('web_error', {
      path: c.req.path,
      error: outer && outer !== cause ? `${cause} (${outer})` : cause,
    })
    return render(
      c,
      <MessagePage ctx={page(c)} title="Something went wrong">
        <p>Timebridge hit an unexpected error and changed nothing more. Try again in a moment.</p>
      </MessagePage>,
      500,
    )
  })
  return app
}

/** Form bodies are a few fields (the mapping form of a large account is the biggest, well under this). */
export const BODY_LIMIT = 64 * 1024

function csrfFailed(c: AppContext, deps: Deps): Response {
  return render(
    c,
    <MessagePage ctx={page(c)} title="This form has expired">
      <p>
        Timebridge could not verify that this form came from its own page (the page was open too
        long, you signed in or out in another tab, your browser did not send Timebridge's cookie, or
        another site sent it). Nothing was changed.
      </p>
      <p>
        <a href={sameOriginReferer(c.req.header('Referer'), deps.config.publicUrl) ?? '/'}>
          Go back
        </a>
        , reload the page and try again.
      </p>
    </MessagePage>,
    403,
  )
}

/** The Referer when it is a page of this site (origins compared exactly: scheme, host and port). */
export function sameOriginReferer(
  referer: string | undefined,
  publicUrl: string,
): string | undefined {
  if (!referer) return undefined
  try {
    const url = new URL(referer)
    return url.origin === new URL(publicUrl).origin ? url.href : undefined
  } catch {
    return undefined
  }
}

/** Runs a checking middleware on its own: true when it lets the request through. */
async function passes(check: MiddlewareHandler<AppEnv>, c: AppContext): Promise<boolean> {
  let passed = false
  try {
    await check(c, async () => {
      passed = true
    })
  } catch (error) {
    if (!(error instanceof HTTPException)) throw error
  }
  return passed
}
