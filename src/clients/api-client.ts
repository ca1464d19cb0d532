/** One way to call Toggl, Clockify and Exist: ofetch with timeouts and jittered retries, zod-parsed answers, typed errors. */
import { FetchError, ofetch } from 'ofetch'
import type { z } from 'zod'

export type Service = 'toggl' | 'clockify' | 'exist'

export const SERVICE_LABEL: Record<Service, string> = {
  toggl: 'Toggl Track',
  clockify: 'Clockify',
  exist: 'Exist',
}

/**
 * - `auth`: the credential was refused (401/403);
 * - `quota` / `rate-limit`: come back later (402 / 429), `retryAfterMs` when the API said when;
 * - `server` / `network`: 5xx or no answer (after bounded retries for reads);
 * - `bad-response`: the answer didn't match its schema;
 * - `rejected`: any other 4xx.
 */
export type ApiErrorKind =
  | 'auth'
  | 'quota'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'bad-response'
  | 'rejected'

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly service: Service,
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }

  /** Errors that end a user's run quietly; the next scheduled run tries again. */
  get isTransient(): boolean {
    return (
      this.kind === 'quota' ||
      this.kind === 'rate-limit' ||
      this.kind === 'server' ||
      this.kind === 'network'
    )
  }
}

export interface HttpPolicy {
  timeoutMs: number
  /** Extra attempts for reads on 5xx / no answer. Writes are never retried: increments aren't idempotent. */
  retries: number
  retryBaseMs: number
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = { timeoutMs: 30_000, retries: 2, retryBaseMs: 1_000 }

export interface HttpDeps {
  fetch: typeof fetch
  http: HttpPolicy
}

export interface ApiRequest<S extends z.ZodType> {
  method?: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  schema: S
}

export interface ApiResponse<T> {
  status: number
  data: T
  headers: Headers
}

export interface ApiCall {
  <S extends z.ZodType>(req: ApiRequest<S>): Promise<ApiResponse<z.output<S>>>
  /** Requests sent so far (retries not counted), for run summaries and quota budgets. */
  readonly requests: number
}

export function createApiClient(
  deps: HttpDeps,
  service: Service,
  baseURL: string,
  headers: Record<string, string>,
): ApiCall {
  const { http } = deps
  const $fetch = ofetch.create(
    {
      baseURL,
      headers: { Accept: 'application/json', ...headers },
      timeout: http.timeoutMs,
      parseResponse: parseBody,
      retryStatusCodes: [500, 502, 503, 504],
      retryDelay: (ctx) => {
        const remaining = typeof ctx.options.retry === 'number' ? ctx.options.retry : 0
        const attempt = Math.max(0, http.retries - remaining)
        // Exponential back-off with full jitter, so many users' runs don't retry in lockstep.
        return Math.round(http.retryBaseMs * 2 ** attempt * (0.5 + Math.random()))
      },
    },
    { fetch: deps.fetch },
  )

  let requests = 0
  const call = async <S extends z.ZodType>(
    req: ApiRequest<S>,
  ): Promise<ApiResponse<z.output<S>>> => {
    requests++
    const method = req.method ?? 'GET'
    const where = `${method} ${req.path}`
    let res: Awaited<ReturnType<typeof $fetch.raw>>
    try {
      res = await $fetch.raw(req.path, {
        method,
        query: req.query,
        body: req.body as BodyInit | Record<string, unknown> | undefined,
        retry: method === 'GET' ? http.retries : 0,
      })
    } catch (error) {
      throw classify(service, where, error)
    }
    const parsed = req.schema.safeParse(res._data)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const at = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
      throw new ApiError(
        service,
        'bad-response',
        `${SERVICE_LABEL[service]} answered ${where} with an unexpected response${at}: ${issue?.message ?? 'invalid'}`,
        res.status,
      )
    }
    return { status: res.status, data: parsed.data, headers: res.headers }
  }
  return Object.defineProperty(call, 'requests', { get: () => requests }) as ApiCall
}

/**
 * JSON when the body is JSON, else its text (an HTML error page): what ofetch's default (destr) gives,
 * without its copy of the whole body (trim) and two regex scans per answer, a tenth of a steady run's
 * CPU (`npm run bench -- --profile steady`). JSON.parse makes `__proto__` an own key, and zod keeps
 * only the keys a schema names, so destr's prototype guard has nothing left to guard here.
 */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function classify(service: Service, where: string, error: unknown): ApiError {
  const label = SERVICE_LABEL[service]
  if (!(error instanceof FetchError) || !error.response) {
    const cause =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error)
    return new ApiError(service, 'network', `${label} did not answer ${where}: ${oneLine(cause)}`)
  }
  const { status, headers } = error.response
  const detail = bodyText(error.data)
  switch (true) {
    case status === 401 || status === 403:
      return new ApiError(
        service,
        'auth',
        `${label} refused the credential (HTTP ${status})`,
        status,
      )
    case status === 402:
      return new ApiError(
        service,
        'quota',
        `${label} API quota is spent (HTTP 402)${detail ? `: ${detail}` : ''}`,
        status,
        secondsHeader(headers.get('X-Toggl-Quota-Resets-In')) ?? retryAfter(headers),
      )
    case status === 429:
      return new ApiError(
        service,
        'rate-limit',
        `${label} rate limit reached (HTTP 429)`,
        status,
        retryAfter(headers),
      )
    case status >= 500:
      return new ApiError(service, 'server', `${label} failed on ${where} (HTTP ${status})`, status)
    default:
      return new ApiError(
        service,
        'rejected',
        `${label} rejected ${where} (HTTP ${status})${detail ? `: ${detail}` : ''}`,
        status,
      )
  }
}

function retryAfter(headers: Headers): number | undefined {
  const value = headers.get('Retry-After')
  if (!value) return undefined
  const seconds = secondsHeader(value)
  if (seconds !== undefined) return seconds
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

function secondsHeader(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined
  return Math.round(Number(value) * 1000)
}

function bodyText(data: unknown): string {
  if (data === undefined || data === null || data === '') return ''
  if (typeof data === 'string') return oneLine(data).slice(0, 200)
  if (typeof data === 'object') {
    const message =
      (data as Record<string, unknown>).message ?? (data as Record<string, unknown>).detail
    if (typeof message === 'string') return oneLine(message).slice(0, 200)
  }
  return oneLine(JSON.stringify(data)).slice(0, 200)
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
