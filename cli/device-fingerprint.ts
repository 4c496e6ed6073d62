// A device key as people compare it: the first 16 bytes of its SHA-256, in groups of four hex digits.
import { createHash } from 'node:crypto'

export const fingerprint = (keyBase64: string): string =>
  createHash('sha256')
    .update(Buffer.from(keyBase64, 'base64'))
    .digest('hex')
    .slice(0, 32)
    .replace(/(.{4})(?=.)/g, '$1 ')
