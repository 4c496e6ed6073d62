// Secrets at rest and one-time values: AES-256-GCM sealing of TOTP secrets under a key derived from
// the server key (user id as associated data), HMAC-hashed recovery codes, hashed login tickets.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { ScureBase32Plugin } from 'otplib'

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const base32 = new ScureBase32Plugin()

export interface TotpKeys {
  /** AES-256-GCM key for secrets. */
  seal: Buffer
  /** HMAC-SHA256 key for recovery codes. */
  mac: Buffer
}

/** Separate keys per purpose (HKDF, RFC 5869), so the server key itself is never used directly. */
export const deriveKeys = (serverKey: Buffer): TotpKeys => {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', serverKey, 'chathub-totp', info, 32))
  return { seal: derive('totp secret seal v1'), mac: derive('totp recovery mac v1') }
}

const aad = (userId: number) => Buffer.from(`chathub:totp:user:${userId}`)

/** version(1) | iv(12) | tag(16) | ciphertext. The user id is bound as associated data. */
export const sealSecret = (keys: TotpKeys, userId: number, secret: Uint8Array): Buffer => {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv)
  cipher.setAAD(aad(userId))
  const ct = Buffer.concat([cipher.update(secret), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct])
}

/** The secret, or undefined when the row was sealed for another user or key, or was altered. */
export const openSecret = (keys: TotpKeys, userId: number, sealed: Uint8Array): Buffer | undefined => {
  const buf = Buffer.from(sealed)
  if (buf.length <= 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, buf.subarray(1, 1 + IV_BYTES))
    decipher.setAAD(aad(userId))
    decipher.setAuthTag(buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES))
    return Buffer.concat([decipher.update(buf.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
}

export const toBase32 = (bytes: Uint8Array): string => base32.encode(bytes, { padding: false })
export const fromBase32 = (text: string): Uint8Array => base32.decode(text)

/** Recovery codes: 80 random bits each (16 base32 characters, grouped by 4), lower case. */
export const newRecoveryCodes = (n = 10): string[] =>
  Array.from({ length: n }, () =>
    toBase32(randomBytes(10))
      .toLowerCase()
      .replace(/(.{4})(?=.)/g, '$1-'),
  )

export const normaliseRecoveryCode = (code: string): string => code.replace(/[\s-]/g, '').toLowerCase()

/**
 * Codes carry 80 bits, so a keyed fast hash is enough (no password-style stretching needed); the
 * key (from the server key) means a stolen database alone cannot even test guesses.
 */
export const hashRecoveryCode = (keys: TotpKeys, userId: number, code: string): string =>
  createHmac('sha256', keys.mac).update(`${userId}:${normaliseRecoveryCode(code)}`).digest('hex')

export const newTicket = (): string => `tkt_${randomBytes(32).toString('base64url')}`
export const hashTicket = (ticket: string): string => createHash('sha256').update(ticket).digest('hex')
