// Opaque bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const newToken = (prefix = 'chs'): string => `${prefix}_${randomBytes(32).toString('base64url')}`

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/** Compare two secrets in constant time (hashed first, so their lengths do not leak either). */
export const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
