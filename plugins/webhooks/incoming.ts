// Incoming webhooks: POST /plugins/webhooks/in/<id>/<secret> with Slack-compatible JSON
// ({"text": ..., "username": ...}, or form-encoded `payload=<json>`) posts into the hook's room.
import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import { ChatError, type Db } from '#core/plugin-api'
import type { WebhooksConfig } from './config.ts'
import { rateLimited, webhookErrors } from './errors.ts'
import { findHook, touchHook } from './queries.ts'
import { hashSecret, safeEqual } from './signing.ts'
import type { IncomingHooks } from './webhook-bridge.ts'

/** A token bucket per hook (posts per minute with a burst). */
class HookLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}
  /** 0 when allowed, else seconds to wait. */
  take(id: string, now = Date.now()): number {
    const b = this.buckets.get(id) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute)
    b.at = now
    this.buckets.set(id, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) * 60) / this.perMinute))
  }
}

interface SlackPayload {
  text: string
  username?: string
}

const parsePayload = (raw: string, contentType: string): SlackPayload => {
  let json = raw
  if (contentType.includes('application/x-www-form-urlencoded')) {
    json = new URLSearchParams(raw).get('payload') ?? ''
    if (json === '')
      throw webhookErrors.payloadInvalid('form posts need a `payload` field holding JSON')
  }
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw webhookErrors.jsonInvalid(err instanceof Error ? err.message : 'parse error')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw webhookErrors.payloadInvalid('the body must be a JSON object')
  }
  const { text, username } = value as Record<string, unknown>
  if (typeof text !== 'string' || text.trim() === '')
    throw webhookErrors.payloadInvalid('"text" must be a non-empty string')
  if (text.length > 16000)
    throw webhookErrors.payloadInvalid('"text" is longer than 16000 characters')
  if (
    username !== undefined &&
    (typeof username !== 'string' || username.trim() === '' || username.length > 64)
  ) {
    throw webhookErrors.payloadInvalid('"username" must be a string of 1 to 64 characters')
  }
  return { text, ...(typeof username === 'string' ? { username: username.trim() } : {}) }
}

export const incomingRoutes =
  (config: WebhooksConfig, db: Db, hooks: IncomingHooks, now: () => number) =>
  async (app: FastifyInstance): Promise<void> => {
    const limiter = new HookLimiter(config.incomingPerMinute, config.incomingBurst)
    // Bodies are read as text here, whatever the content type, so that bad JSON gets our error code.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: config.maxBodyBytes },
      (_req, body, done) => done(null, body),
    )
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      const e =
        err instanceof ChatError
          ? err
          : err.statusCode === 413
            ? webhookErrors.bodyTooLarge(config.maxBodyBytes)
            : err.statusCode !== undefined && err.statusCode < 500
              ? webhookErrors.payloadInvalid(err.message)
              : undefined
      if (!e) throw err
      if (e.retryAfter !== undefined) void reply.header('retry-after', String(e.retryAfter))
      return reply
        .code(e.status)
        .send({ code: e.code, message: e.message, retryAfter: e.retryAfter })
    })

    app.post<{ Params: { id: string; secret: string } }>('/in/:id/:secret', async (req, reply) => {
      const hook = findHook(db, req.params.id)
      // The same answer for an unknown hook and a wrong secret; the secret is compared hashed, in constant time.
      if (!safeEqual(hook?.secretHash ?? 'no hook', hashSecret(req.params.secret)) || !hook) {
        throw webhookErrors.secretInvalid()
      }
      const ctx = hooks.get(hook.id)
      if (!ctx) throw webhookErrors.unavailable()
      const wait = limiter.take(hook.id, now())
      if (wait > 0) throw rateLimited(wait)
      const payload = parsePayload(
        typeof req.body === 'string' ? req.body : '',
        req.headers['content-type'] ?? '',
      )
      const seq = await ctx.inbound({
        type: 'message',
        remoteId: randomUUID(),
        sender: payload.username ?? hook.name,
        text: payload.text,
      })
      if (seq === undefined) throw webhookErrors.unavailable()
      touchHook(db, hook.id, now())
      return reply.code(200).send({ ok: true, room: hook.room, seq })
    })
  }
