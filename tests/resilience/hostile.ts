/** Hostile API answers for the fuzz suite: fast-check arbitraries, and a switch that puts them in front of a loopback fake. */
import fc from 'fast-check'

type FetchHandler = (req: Request, env?: unknown) => Response | Promise<Response>
export type Service = 'toggl' | 'exist' | 'clockify'

/** JSON a mutation can put anywhere: every JSON type, nested. */
const json = fc.jsonValue({ maxDepth: 3 })

/** What the loopback server answers instead of the fake's real response. */
export type Hostile =
  | { kind: 'html'; status: number }
  | { kind: 'invalid-json'; status: number; body: string }
  | { kind: 'empty'; status: number }
  /** The whole body replaced by any JSON value (wrong top-level type, `null`, a string…). */
  | { kind: 'replace'; value: unknown }
  /** The real answer with one node deleted or given a value of another type. */
  | { kind: 'mutate'; at: number; remove: boolean; value: unknown }
  /** A huge array: junk items, or copies of the real answer's first item (valid-looking). */
  | { kind: 'huge'; n: number; item: 'copy' | { junk: unknown } }
  /** The real answer cut off mid-way. */
  | { kind: 'truncated'; keep: number }

/** Statuses that are not auth (401/403), quota (402) or rate limit (429): those have their own tests. */
const STATUS = fc.constantFrom(200, 200, 200, 201, 202, 204, 400, 404, 409, 410, 422, 500, 502, 503)

export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({ kind: fc.constant('html' as const), status: STATUS }),
  fc.record({
    kind: fc.constant('invalid-json' as const),
    status: STATUS,
    body: fc.oneof(
      fc.constantFrom(
        '{',
        '[{"id":',
        '{"results": [}',
        'undefined',
        "{'a': 1}",
        '\u0000\u0001',
        'NaN',
        '[1,2,',
      ),
      fc.string({ maxLength: 40 }).map((s) => `{${s}`),
    ),
  }),
  fc.record({ kind: fc.constant('empty' as const), status: STATUS }),
  fc.record({ kind: fc.constant('replace' as const), value: json }),
  fc.record({
    kind: fc.constant('mutate' as const),
    at: fc.nat(),
    remove: fc.boolean(),
    value: json,
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    n: fc.integer({ min: 1_000, max: 3_000 }),
    item: fc.oneof(
      fc.constant('copy' as const),
      json.map((junk) => ({ junk })),
    ),
  }),
  fc.record({ kind: fc.constant('truncated' as const), keep: fc.nat() }),
)

/** A Response; statuses that may not carry a body (204) get none. */
const answer = (body: string | null, status: number, headers: Record<string, string>) =>
  new Response(status === 204 || status === 205 ? null : body, { status, headers })

const HTML = (status: number) =>
  `<!DOCTYPE html><html><head><title>${status} Error</title></head><body><h1>${status}</h1><p>Something went wrong. <a href="/">Back</a></p></body></html>`

/** The answer a hostile server gives, built from the real one where the kind needs it. */
export async function render(h: Hostile, real: () => Promise<Response>): Promise<Response> {
  const jsonHeaders = { 'Content-Type': 'application/json' }
  switch (h.kind) {
    case 'html':
      return answer(HTML(h.status), h.status, { 'Content-Type': 'text/html; charset=utf-8' })
    case 'invalid-json':
      return answer(h.body, h.status, jsonHeaders)
    case 'empty':
      return answer(null, h.status, jsonHeaders)
    case 'replace':
      return new Response(JSON.stringify(h.value), { status: 200, headers: jsonHeaders })
    case 'truncated': {
      const text = await (await real()).text()
      return new Response(text.slice(0, h.keep % Math.max(1, text.length)), {
        status: 200,
        headers: jsonHeaders,
      })
    }
    case 'mutate': {
      const res = await real()
      const parsed = await jsonOf(res)
      if (parsed === NOT_JSON) return res
      const body = mutate(parsed, h)
      return answer(JSON.stringify(body), res.status, jsonHeaders)
    }
    case 'huge': {
      const res = await real()
      const parsed = await jsonOf(res)
      const body = parsed === NOT_JSON ? null : parsed
      const list = Array.isArray(body)
        ? body
        : isObject(body) && Array.isArray(body.results)
          ? body.results
          : null
      const item = h.item === 'copy' ? (list?.[0] ?? body) : h.item.junk
      const items = Array.from({ length: h.n }, () => item)
      const out =
        isObject(body) && Array.isArray(body.results) ? { ...body, results: items } : items
      return new Response(JSON.stringify(out), { status: 200, headers: jsonHeaders })
    }
  }
}

const NOT_JSON = Symbol('not JSON')
async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.clone().text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    return NOT_JSON
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Deletes the node numbered `at` (depth-first), or sets it to `value` when that has another JSON type. */
function mutate(body: unknown, h: Extract<Hostile, { kind: 'mutate' }>): unknown {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = []
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        slots.push({ parent: node, key: i })
        walk(child)
      })
    } else if (isObject(node)) {
      for (const [k, child] of Object.entries(node)) {
        slots.push({ parent: node, key: k })
        walk(child)
      }
    }
  }
  walk(body)
  if (slots.length === 0) return h.value
  const { parent, key } = slots[h.at % slots.length]!
  const old = (parent as Record<string | number, unknown>)[key]
  if (h.remove && !Array.isArray(parent)) {
    delete parent[key as string]
    return body
  }
  // Same-type replacements are often still valid answers; force a different type.
  const value =
    typeOf(h.value) === typeOf(old)
      ? typeof old === 'string'
        ? 12345
        : 'not-what-you-expected'
      : h.value
  ;(parent as Record<string | number, unknown>)[key] = value
  return body
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/** Which request of which service gets the hostile answer. */
export interface Target {
  service: Service
  method: 'GET' | 'POST'
  /** Matches the URL path. */
  path: RegExp
}

/** Sits in front of each fake; while armed, requests matching the target get the hostile answer. */
export class HostileSwitch {
  private armed: { target: Target; answer: Hostile } | null = null
  hits = 0

  arm(target: Target, answer: Hostile) {
    this.armed = { target, answer }
    this.hits = 0
  }

  disarm() {
    this.armed = null
  }

  readonly wrap = (service: Service, fetch: FetchHandler): FetchHandler => {
    return async (req, env) => {
      const armed = this.armed
      const { pathname } = new URL(req.url)
      if (
        armed &&
        armed.target.service === service &&
        armed.target.method === req.method &&
        armed.target.path.test(pathname)
      ) {
        this.hits++
        // A write reaches Exist first and only its answer is garbled (the "did it land?" case);
        // a read's real answer is fetched only when the hostile one is built from it.
        if (req.method !== 'GET') {
          const applied = await fetch(req, env)
          return render(armed.answer, async () => applied)
        }
        return render(armed.answer, async () => fetch(req, env))
      }
      return fetch(req, env)
    }
  }
}
