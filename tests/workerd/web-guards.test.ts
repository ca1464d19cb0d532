/** On workerd with D1: a forgotten migration is named with the wrangler command, and token tries are limited by CF-Connecting-IP in D1. (Static assets never reach this pool's Worker; public/_headers is checked in tests/workers.) */
import { createExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import worker from '../../src/entry/worker.ts'
import { clearTables } from './worker-harness.ts'

/** A fresh env object: the Worker builds new deps and a new app for it, as a new isolate would. */
const freshIsolate = () => ({ ...env })

describe('a D1 database behind the code', () => {
  it('answers /healthz 503 and shows the sign-in page with the wrangler command until migrated', async () => {
    await env.DB.exec('ALTER TABLE rate_limits RENAME TO rate_limits_hidden')
    try {
      const isolate = freshIsolate()
      const call = (path: string) =>
        worker.fetch(
          new Request(`https://tb.example.workers.dev${path}`),
          isolate,
          createExecutionContext(),
        )
      const health = await call('/healthz')
      expect(health.status).toBe(503)
      const body = (await health.json()) as { error: string }
      expect(body.error).toMatch(/no such table: rate_limits/)
      expect(body.error).toContain(
        'run `npx wrangler d1 migrations apply DB --remote` (with `wrangler dev`: `--local`)',
      )
      const signin = await call('/signin')
      expect(signin.status).toBe(503)
      const html = await signin.text()
      expect(html).toContain('wrangler d1 migrations apply DB')
      expect(html).not.toContain('Something went wrong')
    } finally {
      await env.DB.exec('ALTER TABLE rate_limits_hidden RENAME TO rate_limits')
    }
    // Migrated again: the same kind of isolate answers 200.
    const ok = await worker.fetch(
      new Request('https://tb.example.workers.dev/healthz'),
      freshIsolate(),
      createExecutionContext(),
    )
    expect(ok.status).toBe(200)
  })
})

describe('token tries on Workers', () => {
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.parse('2026-11-20T12:00:05Z'))
    await clearTables()
  })
  afterEach(() => vi.useRealTimers())

  it('counts per CF-Connecting-IP in D1 across sessions and isolates, and answers 429', async () => {
    const tryOnce = async (ip: string) => {
      // Every try from a new session in a new isolate: only D1 holds the count.
      const isolate = freshIsolate()
      const headers = { 'CF-Connecting-IP': ip }
      const signin = await worker.fetch(
        new Request('https://tb.example.workers.dev/signin', { headers }),
        isolate,
        createExecutionContext(),
      )
      const cookie = signin.headers.getSetCookie()[0]!.split(';')[0]!
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await signin.text())![1]!
      const res = await worker.fetch(
        new Request('https://tb.example.workers.dev/signin/token', {
          method: 'POST',
          headers: {
            ...headers,
            Cookie: cookie,
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ _csrf: csrf, existToken: 'wrong-token-00000000' }),
        }),
        isolate,
        createExecutionContext(),
      )
      await res.text()
      return res
    }
    // A refused token goes back to the sign-in page (post/redirect/get).
    for (let i = 0; i < 10; i++)
      expect((await tryOnce('203.0.113.5')).status, `try ${i + 1}`).toBe(303)
    const refused = await tryOnce('203.0.113.5')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('55')
    expect((await tryOnce('203.0.113.6')).status).toBe(303)
  })
})
