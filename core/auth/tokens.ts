// Opaque bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto'

export const newToken = (prefix = 'chs'): string => `${prefix}_${randomBytes(32).toString('base64url')}`

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')
