/** public/_headers gives the static files on Workers exactly the security headers the app puts on its pages. */
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/web/create-app.tsx'
import { createHarness, type Harness } from '../helpers/harness.ts'

/** The headers of the `/*` block of a Cloudflare `_headers` file, names lower-cased. */
function headersFileBlock(path: string, pattern = '/*'): Record<string, string> {
  const out: Record<string, string> = {}
  let inBlock = false
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    if (!/^\s/.test(line)) {
      inBlock = line.trim() === pattern
      continue
    }
    if (!inBlock) continue
    const colon = line.indexOf(':')
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return out
}

/** Not security headers: they describe this one response. */
const PER_RESPONSE = new Set([
  'content-type',
  'content-length',
  'set-cookie',
  'cache-control',
  'location',
])

describe('public/_headers', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(() => h.close())

  it('equals the security headers of a page served over https (as on Workers)', async () => {
    const app = createApp({
      ...h.deps,
      config: { ...h.deps.config, publicUrl: 'https://tb.example' },
    })
    for (const path of ['/signin', '/status', '/nowhere']) {
      const res = await app.request(`https://tb.example${path}`)
      const sent = Object.fromEntries([...res.headers].filter(([name]) => !PER_RESPONSE.has(name)))
      expect(sent, `${path}: copy the app's headers into public/_headers`).toEqual(
        headersFileBlock('public/_headers'),
      )
    }
    expect(headersFileBlock('public/_headers')).toMatchObject({
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    })
  })
})
