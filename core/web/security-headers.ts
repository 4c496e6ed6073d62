// Security headers on every HTTP response, pages and API alike (docs/web.md, "Security headers"): a
// Content-Security-Policy that allows no inline script and nothing from other origins, no MIME
// sniffing, no Referer, no framing. A route may send its own instead (attachment downloads send a
// stricter policy with `sandbox`); set here first, a route's header replaces it.
import type { FastifyInstance } from 'fastify'

/**
 * `img-src` also allows blob: (image previews, revealed pictures, the QR code of TOTP enrolment, all
 * made in the page); `worker-src blob:` for the stego codec's Web Worker. `'wasm-unsafe-eval'` lets
 * the page compile WebAssembly (argon2id for hidden messages, hash-wasm) and nothing else: no
 * eval(), no 'unsafe-inline' anywhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

/** Register before the routes: every answer (errors and 404s too) starts with these headers. */
export const registerSecurityHeaders = (app: FastifyInstance): void => {
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(SECURITY_HEADERS)
    done()
  })
}
