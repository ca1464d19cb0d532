/** Environment parsing (defaults, one-line errors) and the secret box. */
import { describe, expect, it } from 'vitest'
import { createNodeSecretBox } from '../../src/entry/secret-box-node.ts'
import { ConfigError, parseEnv } from '../../src/shared/env.ts'
import { createSecretBox, fromB64Url, toB64Url } from '../../src/shared/secret-box.ts'

describe('parseEnv', () => {
  it('has defaults that make npm start work with nothing set', () => {
    const c = parseEnv({})
    expect(c).toMatchObject({
      databasePath: './data/timebridge.db',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      existUrl: 'https://exist.io',
      togglUrl: 'https://api.track.toggl.com',
      clockifyUrl: 'https://api.clockify.me',
      syncSchedule: '40 * * * *',
      syncDays: 14,
      retentionDays: 21,
      existOAuth: undefined,
      secretKey: undefined,
    })
    expect(parseEnv({ PORT: '8080', PUBLIC_URL: 'https://tb.example.org/' }).publicUrl).toBe(
      'https://tb.example.org',
    )
  })

  it.each([
    [{ PORT: 'eighty' }, /^Invalid PORT \(got "eighty"\): /],
    [{ SECRET_KEY: 'short' }, /^Invalid SECRET_KEY: must be at least 32 characters/],
    [{ EXIST_URL: 'exist.io' }, /^Invalid EXIST_URL/],
    [{ SYNC_SCHEDULE: 'every hour' }, /^Invalid SYNC_SCHEDULE .*cron/],
    [{ EXIST_CLIENT_ID: 'abc' }, /EXIST_CLIENT_SECRET.*set together/],
    [{ SYNC_DAYS: '30', RETENTION_DAYS: '21' }, /^Invalid RETENTION_DAYS/],
    [{ CLIENT_IP_HEADER: 'X Forwarded For' }, /^Invalid CLIENT_IP_HEADER .*header name/],
  ])('rejects %o with one clear line', (env, message) => {
    expect(() => parseEnv(env)).toThrow(ConfigError)
    expect(() => parseEnv(env)).toThrow(message)
  })

  it('never echoes the secret key', () => {
    try {
      parseEnv({ SECRET_KEY: 'hunter2-hunter2' })
    } catch (error) {
      expect(String(error)).not.toContain('hunter2')
    }
  })
})

describe('secret box', () => {
  it('round-trips, binds the purpose, and refuses another key', async () => {
    const box = await createSecretBox('k'.repeat(40))
    const sealed = await box.seal('toggl-api-token', 'source-credential:toggl')
    expect(sealed).not.toContain('toggl-api-token')
    expect(await box.open(sealed, 'source-credential:toggl')).toBe('toggl-api-token')
    await expect(box.open(sealed, 'exist-token')).rejects.toThrow(/cannot be decrypted/)
    const other = await createSecretBox('j'.repeat(40))
    await expect(other.open(sealed, 'source-credential:toggl')).rejects.toThrow(/SECRET_KEY/)
    const sig = await box.sign('user:1')
    expect(await box.verify('user:1', sig)).toBe(true)
    expect(await box.verify('user:2', sig)).toBe(false)
    expect(await other.verify('user:1', sig)).toBe(false)
  })

  it('the Node box and the Web Crypto box share keys and format: each opens what the other sealed', async () => {
    const web = await createSecretBox('k'.repeat(40))
    const node = createNodeSecretBox('k'.repeat(40))
    expect(await node.open(await web.seal('exist-token-ä', 'exist-token'), 'exist-token')).toBe(
      'exist-token-ä',
    )
    expect(
      await web.open(
        await node.seal('toggl-token', 'source-credential:toggl'),
        'source-credential:toggl',
      ),
    ).toBe('toggl-token')
    await expect(
      node.open(await web.seal('x'.repeat(20), 'exist-token'), 'source-credential:toggl'),
    ).rejects.toThrow(/cannot be decrypted/)
    await expect(
      createNodeSecretBox('j'.repeat(40)).open(await web.seal('secret', 'p'), 'p'),
    ).rejects.toThrow(/SECRET_KEY/)
    await expect(node.open('v1.AAAA', 'p')).rejects.toThrow(/malformed/)
    expect(await node.sign('user:1')).toBe(await web.sign('user:1'))
    expect(await node.verify('user:1', await web.sign('user:1'))).toBe(true)
    expect(await node.verify('user:2', await web.sign('user:1'))).toBe(false)
    expect(await node.verify('user:1', 'short')).toBe(false)
  })
})

describe('base64url', () => {
  it('encodes only the bytes of a view, unpadded, even a pooled Node Buffer', () => {
    // Small Buffers are views into one shared pool: the encoding must not see the rest of it.
    const pooled = Buffer.from('abc')
    expect(pooled.buffer.byteLength).toBeGreaterThan(3)
    expect(toB64Url(pooled)).toBe('YWJj')
    expect(toB64Url(new Uint8Array([251, 255]).subarray(1))).toBe('_w')
    expect([...fromB64Url('_w')]).toEqual([255])
  })
})
