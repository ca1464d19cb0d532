/** Limits the forms that relay a token to Exist, Toggl or Clockify: per client address and per session, with a plain 429 page. */
import type { Context, MiddlewareHandler } from 'hono'
import { MessagePage } from '../../views/message-page.tsx'
import { countHit } from '../store/rate-limit-store.ts'
import type { AppEnv } from './app-env.ts'
import { page, render } from './web.ts'

/** Tries per window: enough for typos, far below what gets Timebridge's address throttled. */
export const TOKEN_TRIES = { limit: 10, windowMs: 60_000 }

/** The address a request came from, as the runtime knows it (socket peer on Node, CF-Connecting-IP on Workers). */
export type PeerAddress = (c: Context) => string | undefined

/**
 * The client's address: from `header` when the operator named the header their proxy sets
 * (for X-Forwarded-For the last entry, the one that proxy appended), else the runtime's peer.
 */
export function clientAddress(
  c: Context,
  header: string | undefined,
  peer: PeerAddress | undefined,
): string | undefined {
  if (header) {
    const value = c.req.header(header)
    const last = value?.split(',').pop()?.trim()
    return last || undefined
  }
  return peer?.(c)
}

/**
 * Counts every POST to the routes it guards, once per client address and once per session (the
 * signed-in user, else the anonymous session's nonce), and refuses past the limit. An address
 * the runtime cannot tell (only in tests through app.request) is not counted by address.
 */
export function limitTokenTries(
  address: (c: Context) => string | undefined,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next()
    const { deps, user, session } = c.var
    const ip = address(c)
    const keys = [user ? `user:${user.id}` : `session:${session.n}`, ...(ip ? [`ip:${ip}`] : [])]
    const now = deps.now()
    let resetAt = 0
    let over = false
    for (const key of keys) {
      const hit = await countHit(deps.db, key, now, TOKEN_TRIES.windowMs)
      if (hit.hits > TOKEN_TRIES.limit) {
        over = true
        resetAt = Math.max(resetAt, hit.resetAt)
      }
    }
    if (!over) return next()
    const wait = Math.max(1, Math.ceil((resetAt - now) / 1000))
    deps.log.warn('rate_limited', { path: c.req.path, ...(user ? { user: user.id } : {}) })
    c.header('Retry-After', String(wait))
    return render(
      c,
      <MessagePage ctx={page(c)} title="Too many tries">
        <p>
          Timebridge checks every token you enter with Exist, Toggl Track or Clockify. So that those
          services do not block Timebridge for everyone, it takes at most {TOKEN_TRIES.limit} tries
          a minute from one address or one browser. Nothing was checked or saved this time.
        </p>
        <p>
          Wait {wait} {wait === 1 ? 'second' : 'seconds'}, then go back and try again.
        </p>
      </MessagePage>,
      429,
    )
  }
}
