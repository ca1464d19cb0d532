/** The one HTTP call the API clients need (status, headers, body text), and that call over `fetch` for Workers. */

export interface HttpRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
  /** The whole exchange, answer body included, must end within this; then it fails as no answer. */
  timeoutMs: number
}

export interface HttpAnswer {
  status: number
  /** A header's value (case-insensitive name), null when absent. */
  header(name: string): string | null
  text: string
}

/**
 * Resolves with any answer, whatever its status; rejects (with the cause as message) only when
 * there is no answer: refused connection, reset, timeout. Redirects are not followed: none of the
 * three APIs answers with one, and following one would send the credential to another host.
 */
export type HttpTransport = (req: HttpRequest) => Promise<HttpAnswer>

/** On runtimes where `fetch` is the HTTP client (Workers). Node has a cheaper one in src/entry/node-http.ts. */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (req) => {
    let res: Response
    let text: string
    try {
      res = await fetchFn(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(req.timeoutMs),
      })
      text = await res.text()
    } catch (error) {
      throw noAnswer(error, req.timeoutMs)
    }
    return { status: res.status, header: (name) => res.headers.get(name), text }
  }
}

/** fetch says "fetch failed" and hides why in `cause`; a timeout is a DOMException named TimeoutError. */
function noAnswer(error: unknown, timeoutMs: number): Error {
  if (error instanceof Error && error.name === 'TimeoutError')
    return new Error(`no answer within ${timeoutMs / 1000} s`)
  if (error instanceof Error && error.cause instanceof Error) return new Error(error.cause.message)
  return error instanceof Error ? error : new Error(String(error))
}
