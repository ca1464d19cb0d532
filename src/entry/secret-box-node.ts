/**
 * The secret box on Node with node:crypto: the same keys (HKDF), format and associated data as
 * secret-box.ts, so either opens what the other sealed. Synchronous AES-GCM here costs a few µs;
 * Web Crypto on Node costs ~0.4 ms per call, two calls per user-run (profiled by `npm run bench`).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import { fromB64Url, type SecretBox, SecretBoxError, toB64Url } from '../shared/secret-box.ts'

const SALT = 'timebridge/v1'
/** A Buffer may be a view into a shared pool: toB64Url needs bytes of its own. */
const own = (bytes: Buffer) => new Uint8Array(bytes)
const TAG_BYTES = 16

export function createNodeSecretBox(secretKey: string): SecretBox {
  if (secretKey.length < 32) throw new SecretBoxError('SECRET_KEY must be at least 32 characters')
  const key = (info: string) => Buffer.from(hkdfSync('sha256', secretKey, SALT, info, 32))
  const aes = key('tokens-at-rest')
  const hmac = key('signing')
  const mac = (value: string) => createHmac('sha256', hmac).update(value, 'utf8').digest()

  return {
    async seal(plaintext, purpose) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', aes, iv).setAAD(Buffer.from(purpose, 'utf8'))
      // Web Crypto's AES-GCM output is the ciphertext followed by the 16-byte tag.
      const sealed = Buffer.concat([
        cipher.update(plaintext, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ])
      return `v1.${toB64Url(own(iv))}.${toB64Url(own(sealed))}`
    },
    async open(sealed, purpose) {
      const [version, iv, body] = sealed.split('.')
      if (version !== 'v1' || !iv || !body) throw new SecretBoxError('Stored secret is malformed')
      try {
        const bytes = fromB64Url(body)
        const decipher = createDecipheriv('aes-256-gcm', aes, fromB64Url(iv)).setAAD(
          Buffer.from(purpose, 'utf8'),
        )
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
        return Buffer.concat([
          decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8')
      } catch {
        throw new SecretBoxError('Stored secret cannot be decrypted: was SECRET_KEY changed?')
      }
    },
    async sign(value) {
      return toB64Url(own(mac(value)))
    },
    async verify(value, signature) {
      let given: Uint8Array
      try {
        given = fromB64Url(signature)
      } catch {
        return false
      }
      const expected = mac(value)
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
  }
}
