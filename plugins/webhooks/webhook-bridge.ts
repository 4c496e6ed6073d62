// Webhooks as a bridge. Two kinds of link: `webhook:in/<hook id>` (created by `chathub webhook create`)
// takes Slack-style POSTs into the room; `webhook:https://...` POSTs the room's messages out, signed,
// retried with back-off, each delivery logged; never to a private address unless the config allows
// it (destination.ts), never following a redirect (post.ts).
import type {
  BridgeCapabilities,
  BridgeConnection,
  BridgeContext,
  BridgeDefinition,
  Db,
  OutboundItem,
} from '#core/plugin-api'
import { defineBridge } from '#core/plugin-api'
import { backoffDelay, ChatError } from '#core/plugin-api'
import type { FastifyBaseLogger } from 'fastify'
import type { WebhooksConfig } from './config.ts'
import { DestinationGuard } from './destination.ts'
import { webhookErrors } from './errors.ts'
import { postJson } from './post.ts'
import { recordAttempt, startDelivery } from './queries.ts'
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signing.ts'

/** JSON carries edits, deletes, reactions, replies and attachment URLs; nothing is encrypted end to end. */
export const webhookCapabilities: BridgeCapabilities = {
  edits: true,
  deletes: true,
  reactions: true,
  threads: true,
  // Bytes: more than a hub message can hold (16000 characters of up to 4 bytes), so never split.
  maxLength: 64000,
  multiline: true,
  // Carried as { name, mime, size, url } in the JSON.
  attachments: true,
  encryption: false,
}

type Address = { kind: 'in'; hookId: string } | { kind: 'out'; url: string }

export const parseAddress = (config: WebhooksConfig, address: string): Address => {
  const hook = /^in\/([A-Za-z0-9_-]{6,64})$/.exec(address)
  if (hook?.[1]) return { kind: 'in', hookId: hook[1] }
  let url: URL
  try {
    url = new URL(address)
  } catch {
    throw webhookErrors.targetInvalid(address)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw webhookErrors.targetInvalid(address)
  if (config.signingSecret.length < 16) throw webhookErrors.signingSecretMissing()
  // An address in the URL is refused here (at link time); a name when a POST resolves it.
  destinationGuard(config).checkUrl(url)
  return { kind: 'out', url: url.href }
}

export const destinationGuard = (config: WebhooksConfig): DestinationGuard =>
  new DestinationGuard({
    allowPrivate: config.allowPrivateDestinations,
    allow: config.allowDestinations,
  })

/** Incoming hooks whose link runs, by hook id: the route hands their posts to the runner here. */
export type IncomingHooks = Map<string, BridgeContext>

export const webhookBridge = (
  config: WebhooksConfig,
  db: Db,
  incoming: IncomingHooks,
): BridgeDefinition =>
  defineBridge({
    network: 'webhook',
    capabilities: webhookCapabilities,
    checkAddress: (address) => void parseAddress(config, address),
    open: (ctx) => {
      const address = parseAddress(config, ctx.link.address)
      return address.kind === 'in'
        ? new IncomingLink(ctx, address.hookId, incoming)
        : new OutgoingLink(ctx, address.url, config, db)
    },
  })

/** Receives through the plugin's route; has nothing to send (hub messages are not answered back). */
class IncomingLink implements BridgeConnection {
  private up = false
  constructor(
    private readonly ctx: BridgeContext,
    private readonly hookId: string,
    private readonly incoming: IncomingHooks,
  ) {}
  async connect(): Promise<void> {
    this.incoming.set(this.hookId, this.ctx)
    this.up = true
  }
  async disconnect(): Promise<void> {
    if (this.incoming.get(this.hookId) === this.ctx) this.incoming.delete(this.hookId)
    this.up = false
  }
  async send(): Promise<void> {}
  health() {
    return { connected: this.up, detail: 'incoming' }
  }
}

/**
 * POSTs each item as JSON; 5xx, 408, 429 and network errors are retried; other 4xx, redirects (3xx,
 * not followed) and refused destinations are final: logged as failed, and the next item goes.
 */
class OutgoingLink implements BridgeConnection {
  private up = false
  private current: { key: string; id: number; attempts: number } | undefined
  private abort = new AbortController()
  private readonly log: FastifyBaseLogger
  private readonly guard: DestinationGuard

  constructor(
    private readonly ctx: BridgeContext,
    private readonly url: string,
    private readonly config: WebhooksConfig,
    private readonly db: Db,
  ) {
    this.log = ctx.log
    this.guard = destinationGuard(config)
  }

  async connect(): Promise<void> {
    this.abort = new AbortController()
    this.up = true
  }

  async disconnect(): Promise<void> {
    this.up = false
    this.abort.abort()
  }

  health() {
    return { connected: this.up, detail: this.url }
  }

  async send(item: OutboundItem): Promise<void> {
    const { room } = this.ctx.link
    const payload = toPayload(room, item)
    const key = JSON.stringify(payload)
    const seq = 'seq' in item ? item.seq : 0
    // The same item retried after a reconnect keeps its delivery row and attempt count.
    if (this.current?.key !== key)
      this.current = { key, id: startDelivery(this.db, { room, url: this.url, seq }), attempts: 0 }
    const delivery = this.current
    const body = JSON.stringify(payload)
    const final = (httpStatus: number | null, error: ChatError | string): void => {
      const lastError = typeof error === 'string' ? error : error.message
      const errorCode = typeof error === 'string' ? null : error.code
      recordAttempt(this.db, delivery.id, {
        status: 'failed',
        attempts: delivery.attempts,
        httpStatus,
        lastError,
        errorCode,
      })
      this.log.warn(
        { url: this.url, status: httpStatus, code: errorCode },
        'webhook delivery failed for good',
      )
      this.current = undefined
    }
    for (let round = 0; round < this.config.retries; round++) {
      if (!this.up) throw new Error('link stopped')
      delivery.attempts++
      const timestamp = Math.floor(Date.now() / 1000)
      let status: number | null = null
      let error: string | null = null
      const timeout = AbortSignal.timeout(this.config.timeoutMs)
      try {
        const res = await postJson(
          new URL(this.url),
          {
            'content-type': 'application/json',
            'user-agent': 'chathub-webhooks',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: sign(this.config.signingSecret, timestamp, body),
            'x-chathub-delivery': String(delivery.id),
          },
          body,
          { guard: this.guard, signal: AbortSignal.any([this.abort.signal, timeout]) },
        )
        status = res.status
        if (status >= 200 && status < 300) {
          recordAttempt(this.db, delivery.id, {
            status: 'delivered',
            attempts: delivery.attempts,
            httpStatus: status,
            lastError: null,
          })
          this.current = undefined
          return
        }
        // A redirect is never followed: it could lead anywhere, the guard's checks included.
        if (status >= 300 && status < 400)
          return final(status, webhookErrors.redirectNotFollowed(status, clip(res.location ?? '')))
        error = `HTTP ${status}`
        // The receiver refused this payload for good: log it as failed and go on with the next.
        if (status < 500 && status !== 408 && status !== 429) return final(status, error)
      } catch (err) {
        if (err instanceof ChatError) return final(null, err)
        error = timeout.aborted
          ? `no answer within ${this.config.timeoutMs} ms`
          : err instanceof Error
            ? err.message
            : String(err)
      }
      recordAttempt(this.db, delivery.id, {
        status: 'pending',
        attempts: delivery.attempts,
        httpStatus: status,
        lastError: error,
      })
      if (round + 1 < this.config.retries) {
        const delay = backoffDelay(round, { minMs: this.config.retryMinMs, maxMs: this.config.retryMaxMs })
        await new Promise((r) => setTimeout(r, delay))
      } else {
        throw new Error(`webhook ${this.url}: ${error ?? 'failed'}`)
      }
    }
  }
}

/** A receiver's `location` header in the log: one short line. */
const clip = (s: string): string => {
  const line = s.replace(/[\x00-\x1f\x7f]/g, ' ')
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** The JSON body of each outgoing item. */
const toPayload = (room: string, item: OutboundItem): Record<string, unknown> => {
  switch (item.type) {
    case 'message':
      return {
        type: 'message',
        room,
        seq: item.seq,
        from: item.from,
        text: item.parts.join(' '),
        ...(item.action ? { action: true } : {}),
        ...(item.replyTo ? { replyTo: item.replyTo.seq } : {}),
        ...(item.attachments ? { attachments: item.attachments } : {}),
      }
    case 'edit':
      return { type: 'edited', room, seq: item.seq, from: item.from, text: item.text }
    case 'delete':
      return { type: 'deleted', room, seq: item.seq, from: item.from }
    case 'reaction':
      return { type: 'reaction', room, seq: item.seq, user: item.from, emoji: item.emoji, added: item.added }
    case 'dropped':
      return { type: 'dropped', room, count: item.count }
  }
}
