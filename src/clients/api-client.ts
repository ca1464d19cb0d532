/** One way to call Toggl, Clockify and Exist: timeouts and jittered retries over an HttpTransport, zod-parsed answers, typed errors. */
import type { z } from 'zod'
import type { HttpAnswer, HttpRequest, HttpTransport } from './http-transport.ts'

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
  transport: HttpTransport
  http: HttpPolicy
}

export interface ApiRequest<S extends z.ZodType> {
  method?: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number | boolean | undefined>
  /** Sent as JSON, or as a form when it is URLSearchParams. */
  body?: unknown
  schema: S
}

export interface ApiResponse<T> {
  status: number
  data: T
  header(name: string): string | null
}

export interface ApiCall {
  <S extends z.ZodType>(req: ApiRequest<S>): Promise<ApiResponse<z.output<S>>>
  /** Requests sent so far (retries not counted), for run summaries and quota budgets. */
  readonly requests: number
}

/** Answers worth another try for a read: the server failed or a proxy in front of it did. */
const RETRY_STATUS = new Set([500, 502, 503, 504])

export function createApiClient(
  deps: HttpDeps,
  service: Service,
  baseURL: string,
  headers: Record<string, string>,
): ApiCall {
  const { http, transport } = deps
  const base = baseURL.replace(/\/+$/, '')
  const common = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...headers }

  /** Reads get `http.retries` more tries on 5xx / no answer, spaced by exponential back-off with full jitter, so many users' runs don't retry in lockstep. */
  async function exchange(req: HttpRequest, retries: number): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await transport(req)
        if (attempt >= retries || !RETRY_STATUS.has(answer.status)) return answer
      } catch (error) {
        if (attempt >= retries) throw error
      }
      await sleep(Math.round(http.retryBaseMs * 2 ** attempt * (0.5 + Math.random())))
    }
  }

  let requests = 0
  const call = async <S extends z.ZodType>(
    req: ApiRequest<S>,
  ): Promise<ApiResponse<z.output<S>>> => {
    requests++
    const method = req.method ?? 'GET'
    const where = `${method} ${req.path}`
    const label = SERVICE_LABEL[service]
    let answer: HttpAnswer
    try {
      answer = await exchange(
        {
          method,
          url: withQuery(base + req.path, req.query),
          ...encodeBody(req.body, common),
          timeoutMs: http.timeoutMs,
        },
        method === 'GET' ? http.retries : 0,
      )
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error)
      throw new ApiError(service, 'network', `${label} did not answer ${where}: ${oneLine(cause)}`)
    }
    const data = parseBody(answer.text)
    if (answer.status >= 400) throw classify(service, where, answer, data)
    const parsed = req.schema.safeParse(data)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const at = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
      throw new ApiError(
        service,
        'bad-response',
        `${label} answered ${where} with an unexpected response${at}: ${issue?.message ?? 'invalid'}`,
        answer.status,
      )
    }
    return { status: answer.status, data: parsed.data, header: answer.header }
  }
  return Object.defineProperty(call, 'requests', { get: () => requests }) as ApiCall
}

const USER_AGENT = 'Timebridge (+https://github.com/timebridge/timebridge)'

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function withQuery(url: string, query: ApiRequest<z.ZodType>['query']): string {
  if (!query) return url
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) params.append(key, String(value))
  const search = params.toString()
  return search ? `${url}?${search}` : url
}

function encodeBody(
  body: unknown,
  headers: Record<string, string>,
): { headers: Record<string, string>; body?: string } {
  if (body === undefined) return { headers }
  const form = body instanceof URLSearchParams
  const type = form ? 'application/x-www-form-urlencoded;charset=UTF-8' : 'application/json'
  const named = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
  return {
    headers: named ? headers : { ...headers, 'Content-Type': type },
    body: form ? body.toString() : JSON.stringify(body),
  }
}

/**
 * JSON when the body is JSON, else its text (an HTML error page). JSON.parse makes `__proto__` an
 * own key, and zod keeps only the keys a schema names, so no prototype guard is needed here.
 */
function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** An answer with an error status, as the error the rest of the app acts on. */
function classify(service: Service, where: string, answer: HttpAnswer, data: unknown): ApiError {
  const label = SERVICE_LABEL[service]
  const { status, header } = answer
  const detail = bodyText(data)
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
        secondsHeader(header('X-Toggl-Quota-Resets-In')) ?? retryAfter(header),
      )
    case status === 429:
      return new ApiError(
        service,
        'rate-limit',
        `${label} rate limit reached (HTTP 429)`,
        status,
        retryAfter(header),
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

function retryAfter(header: HttpAnswer['header']): number | undefined {
  const value = header('Retry-After')
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
