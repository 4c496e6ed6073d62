// Signatures of outgoing webhooks: HMAC-SHA256 (RFC 2104) over `<timestamp>.<body>`, sent as
// `x-chathub-signature: sha256=<hex>` with `x-chathub-timestamp: <unix seconds>` (as Slack and Stripe do,
// so receivers can refuse replays older than a few minutes). Also the hashing of incoming secrets.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-chathub-signature'
export const TIMESTAMP_HEADER = 'x-chathub-timestamp'

export const sign = (secret: string, timestamp: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`

/** What a receiver does: recompute and compare in constant time, and refuse stale timestamps. */
export const verifySignature = (
  secret: string,
  headers: { signature: string; timestamp: string },
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): boolean => {
  const ts = Number(headers.timestamp)
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  if (!Number.isInteger(ts) || Math.abs(now - ts) > (options.toleranceSeconds ?? 300)) return false
  return safeEqual(sign(secret, ts, body), headers.signature)
}

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex')

/** Constant-time comparison of two strings (different lengths compare unequal without a shortcut on content). */
export const safeEqual = (a: string, b: string): boolean => {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y) && a.length === b.length
}
