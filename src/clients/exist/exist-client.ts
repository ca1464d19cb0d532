/** Exist API v2: profile, attributes, ownership and the two write endpoints, each answer parsed with zod. */

import type { z } from 'zod'
import { ApiError, createApiClient, type HttpDeps } from '../api-client.ts'
import {
  ExistAttribute,
  ExistAttributeWithValues,
  ExistProfile,
  page,
  WriteResponse,
} from './exist-schemas.ts'

/** Pages of 100 one list may take: 2,000 attributes, far past any account's. */
const MAX_PAGES = 20

/** Exist takes at most this many items per write, acquire or release request. */
export const EXIST_BATCH = 35

export interface ExistWriteItem {
  name: string
  date: string
  value: number
}

export interface ExistClient {
  profile(): Promise<ExistProfile>
  attributes(opts?: { names?: string[] }): Promise<ExistAttribute[]>
  /**
   * The named attributes with their values for `days` days up to `dateMax`, every page. Documented at
   * https://developer.exist.io/reference/attributes/ ("Get attributes with values": page, limit,
   * days max 31, date_max, attributes; a paged list with `next`), source hellocodeco/exist-api-docs.
   */
  withValues(
    names: string[],
    days: number,
    dateMax: string,
  ): Promise<z.output<typeof ExistAttributeWithValues>[]>
  /**
   * Which of the named attributes this client owns: `GET /api/2/attributes/owned/` (added to API v2 in
   * May 2023; same parameters as /attributes/ minus `owned`; developer.exist.io/reference/attributes/).
   */
  owned(names: string[]): Promise<ExistAttribute[]>
  acquire(
    items: ({ template: string } | { name: string })[],
  ): Promise<{ status: number; body: WriteResponse }>
  release(names: string[]): Promise<{ status: number; body: WriteResponse }>
  /** New attributes, owned by us and synced (`manual: false`); `success[].name` is the name Exist chose. */
  create(
    items: { label: string; group: string; value_type: number }[],
  ): Promise<{ status: number; body: WriteResponse }>
  write(
    op: 'increment' | 'update',
    items: ExistWriteItem[],
  ): Promise<{ status: number; body: WriteResponse }>
  readonly requests: number
}

export function existClient(deps: HttpDeps, baseUrl: string, accessToken: string): ExistClient {
  const call = createApiClient(deps, 'exist', `${baseUrl}/api/2`, {
    Authorization: `Bearer ${accessToken}`,
  })
  const post = async (path: string, body: unknown[]) => {
    const res = await call({ method: 'POST', path, body, schema: WriteResponse })
    return { status: res.status, body: res.data }
  }

  async function allPages<S extends z.ZodType>(
    path: string,
    item: S,
    query: Record<string, string | number | undefined>,
  ): Promise<z.output<S>[]> {
    const out: z.output<S>[] = []
    // A user has at most a few hundred attributes; the page cap guards against a runaway `next`,
    // and says so rather than acting on a list cut short.
    for (let p = 1; p <= MAX_PAGES; p++) {
      const { data } = await call({
        path,
        query: { ...query, page: p, limit: 100 },
        schema: page(item),
      })
      out.push(...data.results)
      if (!data.next) return out
    }
    throw new ApiError(
      'exist',
      'bad-response',
      `Exist answered GET ${path} with more than ${MAX_PAGES} pages of 100; gave up`,
    )
  }

  return {
    get requests() {
      return call.requests
    },
    async profile() {
      return (await call({ path: '/accounts/profile/', schema: ExistProfile })).data
    },
    attributes(opts = {}) {
      return allPages('/attributes/', ExistAttribute, {
        attributes: opts.names?.join(','),
        // Without these Exist hides attributes with `active = false` (e.g. one released earlier)
        // and those with priority > 10, so a user's own attribute would look unknown.
        // https://developer.exist.io/reference/attributes/ ("Get a user's attributes").
        include_inactive: 'true',
        include_low_priority: 'true',
      })
    },
    withValues(names, days, dateMax) {
      return allPages('/attributes/with-values/', ExistAttributeWithValues, {
        attributes: names.join(','),
        days,
        date_max: dateMax,
      })
    },
    owned(names) {
      return allPages('/attributes/owned/', ExistAttribute, { attributes: names.join(',') })
    },
    acquire: (items) =>
      post(
        '/attributes/acquire/',
        items.map((i) => ({ ...i, manual: false })),
      ),
    // https://developer.exist.io/reference/creating_attributes/ (reference/exist-api.md 2.3): `manual`
    // defaults to true, which would make it a manual attribute the user fills in by hand.
    create: (items) =>
      post(
        '/attributes/create/',
        items.map((i) => ({ ...i, manual: false })),
      ),
    release: (names) =>
      post(
        '/attributes/release/',
        names.map((name) => ({ name })),
      ),
    write: (op, items) => post(`/attributes/${op}/`, items),
  }
}
