/** Keys derived from SECRET_KEY (HKDF): AES-GCM for tokens at rest, HMAC for signed values. Web Crypto only, so it runs on Node and Workers alike. */
import { decodeBase64Url, encodeBase64Url } from 'hono/utils/encode'

const enc = new TextEncoder()
const dec = new TextDecoder()

export interface SecretBox {
  /** Encrypts a secret; `purpose` is bound as associated data so a ciphertext can't be moved to another column. */
  seal(plaintext: string, purpose: string): Promise<string>
  open(sealed: string, purpose: string): Promise<string>
  sign(value: string): Promise<string>
  verify(value: string, signature: string): Promise<boolean>
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError'
}

export async function createSecretBox(secretKey: string): Promise<SecretBox> {
  if (secretKey.length < 32) throw new SecretBoxError('SECRET_KEY must be at least 32 characters')
  const master = await crypto.subtle.importKey('raw', enc.encode(secretKey), 'HKDF', false, [
    'deriveKey',
  ])
  const derive = (
    info: string,
    algorithm: AesKeyGenParams | HmacKeyGenParams,
    usages: KeyUsage[],
  ) =>
    crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: enc.encode('timebridge/v1'), info: enc.encode(info) },
      master,
      algorithm,
      false,
      usages,
    )
  const aes = await derive('tokens-at-rest', { name: 'AES-GCM', length: 256 }, [
    'encrypt',
    'decrypt',
  ])
  const hmac = await derive('signing', { name: 'HMAC', hash: 'SHA-256', length: 256 }, [
    'sign',
    'verify',
  ])

  return {
    async seal(plaintext, purpose) {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const cipher = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: enc.encode(purpose) },
        aes,
        enc.encode(plaintext),
      )
      return `v1.${toB64Url(iv)}.${toB64Url(new Uint8Array(cipher))}`
    },
    async open(sealed, purpose) {
      const [version, iv, cipher] = sealed.split('.')
      if (version !== 'v1' || !iv || !cipher) throw new SecretBoxError('Stored secret is malformed')
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: fromB64Url(iv), additionalData: enc.encode(purpose) },
          aes,
          fromB64Url(cipher),
        )
        return dec.decode(plain)
      } catch {
        throw new SecretBoxError('Stored secret cannot be decrypted: was SECRET_KEY changed?')
      }
    },
    async sign(value) {
      return toB64Url(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, enc.encode(value))))
    },
    async verify(value, signature) {
      try {
        return await crypto.subtle.verify('HMAC', hmac, fromB64Url(signature), enc.encode(value))
      } catch {
        return false
      }
    },
  }
}

/** base64url without padding, as sealed tokens and cookies have always been written: hono's codec, its `=` dropped. */
export function toB64Url(bytes: Uint8Array): string {
  // hono's codec reads a whole ArrayBuffer: copy the view's bytes into one of their own (a Node
  // Buffer's `slice` would share its pool, so `new Uint8Array(bytes)`, which always copies).
  return encodeBase64Url(new Uint8Array(bytes).buffer).replace(/=+$/, '')
}

/** Reads base64url with or without padding. */
export function fromB64Url(text: string): Uint8Array<ArrayBuffer> {
  return decodeBase64Url(text)
}
