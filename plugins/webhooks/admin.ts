// Admin operations of the webhooks plugin for the CLI (on the data directory): create, list and remove
// incoming hooks (the secret is returned once and stored hashed) and read the delivery log.
import { randomBytes } from 'node:crypto'
import type { Db } from '#core/plugin-api'
import { webhookErrors } from './errors.ts'
import { deleteHook, deliveriesOf, findHook, hookByName, hooksOf, insertHook } from './queries.ts'
import type { WebhookDelivery, WebhookHook } from './schema.ts'
import { hashSecret } from './signing.ts'

export { parseAddress as parseWebhookAddress } from './webhook-bridge.ts'
export { WebhooksConfig } from './config.ts'
export { webhookCapabilities } from './webhook-bridge.ts'

export interface CreatedHook {
  id: string
  room: string
  name: string
  /** Shown once; only its hash is stored. */
  secret: string
  /** The link target the runner serves it under. */
  target: string
  /** Path under the hub's URL to POST to. */
  path: string
}

export const createHook = (db: Db, room: string, name: string, now = Date.now()): CreatedHook => {
  if (hookByName(db, room, name)) throw webhookErrors.hookExists(room, name)
  // Never starting with "-": `chathub webhook remove ID` would read such an id as a flag.
  const id = randomBytes(9).toString('base64url').replace(/^-/, 'A')
  const secret = randomBytes(24).toString('base64url')
  insertHook(db, { id, room, name, secretHash: hashSecret(secret), createdAt: now })
  return {
    id,
    room,
    name,
    secret,
    target: `webhook:in/${id}`,
    path: `/plugins/webhooks/in/${id}/${secret}`,
  }
}

export interface HookListing {
  id: string
  room: string
  name: string
  /** The link target the runner serves it under. */
  target: string
  createdAt: string
  lastUsedAt: string | null
}

const hookListing = (h: WebhookHook): HookListing => ({
  id: h.id,
  room: h.room,
  name: h.name,
  target: `webhook:in/${h.id}`,
  createdAt: new Date(h.createdAt).toISOString(),
  lastUsedAt: h.lastUsedAt === null ? null : new Date(h.lastUsedAt).toISOString(),
})

/** Incoming hooks (of one room, or all), oldest first; never the secret (only its hash is stored). */
export const listHooks = (db: Db, room?: string): HookListing[] =>
  hooksOf(db, room)
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .map(hookListing)

/** Delete an incoming hook (WEBHOOKS_HOOK_NOT_FOUND when there is none); returns what it was. */
export const removeHook = (db: Db, id: string): HookListing => {
  const hook = findHook(db, id)
  if (!hook || !deleteHook(db, id)) throw webhookErrors.hookNotFound(id)
  return hookListing(hook)
}

export interface DeliveryListing {
  id: number
  seq: number
  url: string
  status: WebhookDelivery['status']
  attempts: number
  httpStatus: number | null
  /** Stable code of the last error when it has one (WEBHOOKS_DESTINATION_REFUSED, ...). */
  code: string | null
  lastError: string | null
  at: string
}

export const listDeliveries = (db: Db, room: string, limit: number): DeliveryListing[] =>
  deliveriesOf(db, room, limit).map((d) => ({
    id: d.id,
    seq: d.seq,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    httpStatus: d.httpStatus,
    code: d.errorCode,
    lastError: d.lastError,
    at: new Date(d.updatedAt).toISOString(),
  }))
