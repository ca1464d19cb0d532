/** Helpers every route uses: the page context for views, rendering with no-store, flash-and-redirect, signing in. */
import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import type { PageContext } from '../../views/layout.tsx'
import type { User } from '../store/user-store.ts'
import type { AppEnv } from './app-env.ts'
import { type Flash, newSession, type SessionUser, writeFlash, writeSession } from './session.ts'

export type AppContext = Context<AppEnv>

export function page(c: AppContext): PageContext {
  // An error inside the session middleware leaves the variables unset: render without them.
  return {
    username: c.var.user?.existUsername ?? null,
    csrf: c.var.csrf ?? '',
    flash: c.var.flash ?? null,
  }
}

/** The middleware turned anonymous requests away before any route that calls this. */
export function mustUser(c: AppContext): User {
  const user = c.var.user
  if (!user) throw new Error('route needs a signed-in user')
  return user
}

export function render(
  c: AppContext,
  node: Child,
  status: 200 | 400 | 403 | 404 | 409 | 413 | 429 | 500 | 502 | 503 = 200,
): Response {
  return c.html(`<!doctype html>${String(node)}`, status)
}

/** Post/redirect/get: the outcome travels in a one-shot signed cookie. */
export async function redirectWith(c: AppContext, path: string, flash: Flash): Promise<Response> {
  const { deps } = c.var
  await writeFlash(c, deps.box, deps.config.publicUrl, flash)
  return c.redirect(path, 303)
}

/** A new session (new nonce, so a CSRF token or cookie seen before sign-in is worthless after it). */
export async function startSession(c: AppContext, user: SessionUser | undefined): Promise<void> {
  const { deps } = c.var
  await writeSession(c, deps.box, deps.config.publicUrl, newSession(deps.now(), user))
}
