/** Sessions and one-shot flash messages in signed HttpOnly cookies (HMAC from the SecretBox, so the key derives from SECRET_KEY). */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'
import { z } from 'zod'
import type { Flash } from '../../views/layout.tsx'
import type { SecretBox } from '../shared/secret-box.ts'
import { fromB64Url, toB64Url } from '../shared/secret-box.ts'

/**
 * How long a sign-in lasts, counted from signing in (absolute: visits do not extend it). The cookie
 * of a visitor who is not signed in is renewed on visits after a day; it holds only a CSRF nonce.
 */
export const SESSION_MAX_AGE_S = 30 * 86_400
const RENEW_AFTER_MS = 86_400_000

const SessionShape = z.object({
  /** Random per session; the CSRF token is derived from it and it changes at sign-in and sign-out. */
  n: z.string().min(16),
  /** Signed-in user id and Exist username (both must still match the database). */
  u: z.number().int().positive().optional(),
  x: z.string().optional(),
  /** The user's session version when this sign-in began; a bump in the database ends the session. */
  v: z.number().int().nonnegative().optional(),
  /** Signed in at, epoch ms: the sign-in ends SESSION_MAX_AGE_S after it, however often it is used. */
  s: z.number().optional(),
  /** Issued at, epoch ms. */
  t: z.number(),
})
export type SessionData = z.output<typeof SessionShape>

export interface Session extends SessionData {
  /** Made during this request (no cookie came in): a POST can't carry its CSRF token yet. */
  fresh: boolean
}

const FlashShape = z.object({
  kind: z.enum(['ok', 'error']),
  text: z.string().max(2000),
  lines: z.array(z.string().max(500)).max(40).optional(),
  form: z
    .object({
      values: z.record(z.string().max(200), z.string().max(200)).optional(),
      errors: z.record(z.string().max(200), z.string().max(500)).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Flash>

export type { Flash }

const enc = new TextEncoder()
const dec = new TextDecoder()

export function randomId(bytes = 18): string {
  return toB64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** Cookie names and flags for this deployment (Secure and the __Host- prefix only over https). */
export function cookieJar(publicUrl: string) {
  const secure = publicUrl.startsWith('https://')
  const base: CookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    ...(secure ? { prefix: 'host' as const } : {}),
  }
  const prefix = secure ? ('host' as const) : undefined
  return {
    get: (c: Context, name: string) => getCookie(c, name, prefix),
    set: (c: Context, name: string, value: string, maxAge: number) =>
      setCookie(c, name, value, { ...base, maxAge }),
    delete: (c: Context, name: string) => deleteCookie(c, name, base),
  }
}

export async function seal(box: SecretBox, purpose: string, data: unknown): Promise<string> {
  const payload = toB64Url(enc.encode(JSON.stringify(data)))
  return `${payload}.${await box.sign(`${purpose}:${payload}`)}`
}

export async function unseal<S extends z.ZodType>(
  box: SecretBox,
  purpose: string,
  value: string | undefined,
  shape: S,
) {
  if (!value) return undefined
  const [payload, signature, extra] = value.split('.')
  if (!payload || !signature || extra !== undefined) return undefined
  if (!(await box.verify(`${purpose}:${payload}`, signature))) return undefined
  try {
    const parsed = shape.safeParse(JSON.parse(dec.decode(fromB64Url(payload))))
    return parsed.success ? (parsed.data as z.output<S>) : undefined
  } catch {
    return undefined
  }
}

export const SESSION_COOKIE = 'tb_session'
export const FLASH_COOKIE = 'tb_flash'
export const OAUTH_STATE_COOKIE = 'tb_oauth_state'

export async function readSession(
  box: SecretBox,
  raw: string | undefined,
  now: number,
): Promise<Session | undefined> {
  const data = await unseal(box, 'session', raw, SessionShape)
  if (!data || data.t > now + 60_000 || now - data.t > SESSION_MAX_AGE_S * 1000) return undefined
  return { ...data, fresh: false }
}

export interface SessionUser {
  id: number
  existUsername: string
  sessionVersion: number
}

export function newSession(now: number, user?: SessionUser): Session {
  return user
    ? {
        n: randomId(),
        u: user.id,
        x: user.existUsername,
        v: user.sessionVersion,
        s: now,
        t: now,
        fresh: true,
      }
    : { n: randomId(), t: now, fresh: true }
}

/** Whether a session still stands for `user` (the row loaded for its id): same account, same version, within its lifetime. */
export function sessionHolds(
  session: Session,
  user: SessionUser | undefined,
  now: number,
): boolean {
  return (
    user !== undefined &&
    user.existUsername === session.x &&
    session.v !== undefined &&
    user.sessionVersion === session.v &&
    session.s !== undefined &&
    now - session.s <= SESSION_MAX_AGE_S * 1000
  )
}

export function needsRenewal(session: Session, now: number): boolean {
  return session.fresh || now - session.t > RENEW_AFTER_MS
}

export async function writeSession(
  c: Context,
  box: SecretBox,
  publicUrl: string,
  session: Session,
): Promise<void> {
  const { fresh: _fresh, ...data } = session
  // A signed-in cookie dies with its sign-in; an anonymous one lasts the full period from now.
  const left =
    data.s === undefined
      ? SESSION_MAX_AGE_S
      : SESSION_MAX_AGE_S - Math.floor((data.t - data.s) / 1000)
  cookieJar(publicUrl).set(c, SESSION_COOKIE, await seal(box, 'session', data), Math.max(1, left))
}

export async function readFlash(
  box: SecretBox,
  raw: string | undefined,
): Promise<Flash | undefined> {
  return unseal(box, 'flash', raw, FlashShape)
}

export async function writeFlash(
  c: Context,
  box: SecretBox,
  publicUrl: string,
  flash: Flash,
): Promise<void> {
  let sealed = await seal(box, 'flash', flash)
  // Browsers drop cookies over 4 KB: a form too big to carry back keeps its messages, not its values.
  if (sealed.length > 3_800 && flash.form?.values) {
    sealed = await seal(box, 'flash', { ...flash, form: { errors: flash.form.errors } })
  }
  cookieJar(publicUrl).set(c, FLASH_COOKIE, sealed, 300)
}

/** The CSRF token of a session: an HMAC of its nonce, so it needs no storage and dies with the session. */
export function csrfToken(box: SecretBox, session: Session): Promise<string> {
  return box.sign(`csrf:${session.n}`)
}

export async function checkCsrf(
  box: SecretBox,
  session: Session,
  token: unknown,
): Promise<boolean> {
  if (session.fresh || typeof token !== 'string' || token.length === 0 || token.length > 200)
    return false
  return box.verify(`csrf:${session.n}`, token)
}
