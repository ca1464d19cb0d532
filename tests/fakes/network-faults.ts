/** Network faults in front of any fake's fetch handler (Node): slow answers, connection resets, answers lost after the work is done, and per-request hooks. */

export interface RequestInfo {
  method: string
  path: string
  /** 1 for the first request this wrapper saw. */
  n: number
}

/**
 * - `delay`: the request is handled `ms` later (past the client's timeout it is a timeout whose
 *   work was still done, as a slow server does);
 * - `reset`: the connection is cut before the fake sees the request (nothing applied);
 * - `lose`: the fake handles the request, then the connection is cut (applied, answer lost).
 */
export type NetworkFault = { kind: 'delay'; ms: number } | { kind: 'reset' } | { kind: 'lose' }

export interface FaultMatch {
  method?: string
  /** substring of the path */
  path?: string
}

type Handler = (req: Request, env?: unknown) => Response | Promise<Response>
type NodeEnv = { incoming?: { socket?: { destroy(): void } | null } }

export class NetworkFaults {
  /** Requests seen so far. */
  count = 0
  /** Called for each request before the fake sees it; may return a fault for this request. */
  onRequest?: (info: RequestInfo) => NetworkFault | undefined | Promise<NetworkFault | undefined>
  /** Called after the fake answered, before the answer goes out. */
  onResponse?: (info: RequestInfo, res: Response) => void | Promise<void>
  private readonly queued: { match: FaultMatch; fault: NetworkFault }[] = []
  private inFlight = 0
  private idle: (() => void)[] = []

  /** The next request matching `match` gets `fault`. */
  next(fault: NetworkFault, match: FaultMatch = {}): void {
    this.queued.push({ match, fault })
  }

  clear(): void {
    this.queued.length = 0
  }

  /** Resolves once no request is being handled (a delayed one may still be applied after its client gave up). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  wrap(handler: Handler): Handler {
    return async (req, env) => {
      const url = new URL(req.url)
      const info: RequestInfo = { method: req.method, path: url.pathname, n: ++this.count }
      this.inFlight++
      try {
        const fault = (await this.onRequest?.(info)) ?? this.take(info)
        const socket = (env as NodeEnv | undefined)?.incoming?.socket
        if (fault?.kind === 'reset') {
          socket?.destroy()
          return new Response(null, { status: 599 })
        }
        if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms))
        const res = await handler(req, env)
        // Read the body now, so the fake's work is done even if the answer never leaves.
        const body = await res.arrayBuffer()
        const empty = [101, 204, 205, 304].includes(res.status)
        const answer = new Response(empty ? null : body, {
          status: res.status,
          headers: res.headers,
        })
        await this.onResponse?.(info, answer)
        if (fault?.kind === 'lose') {
          socket?.destroy()
          return new Response(null, { status: 599 })
        }
        return answer
      } finally {
        if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
      }
    }
  }

  private take(info: RequestInfo): NetworkFault | undefined {
    const i = this.queued.findIndex(
      (q) =>
        (q.match.method === undefined || q.match.method.toUpperCase() === info.method) &&
        (q.match.path === undefined || info.path.includes(q.match.path)),
    )
    if (i < 0) return undefined
    return this.queued.splice(i, 1)[0]!.fault
  }
}
