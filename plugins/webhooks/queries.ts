// The webhooks plugin's queries: incoming hooks and the delivery log (synchronous, better-sqlite3).
import { and, desc, eq } from '#drizzle'
import type { Db } from '#core/plugin-api'
import {
  type WebhookDelivery,
  webhookDeliveries,
  type WebhookHook,
  webhookHooks,
} from './schema.ts'

export const findHook = (db: Db, id: string): WebhookHook | undefined =>
  db.select().from(webhookHooks).where(eq(webhookHooks.id, id)).get()

export const hookByName = (db: Db, room: string, name: string): WebhookHook | undefined =>
  db
    .select()
    .from(webhookHooks)
    .where(and(eq(webhookHooks.room, room), eq(webhookHooks.name, name)))
    .get()

export const insertHook = (db: Db, hook: Omit<WebhookHook, 'lastUsedAt'>): void => {
  db.insert(webhookHooks).values(hook).run()
}

export const hooksOf = (db: Db, room?: string): WebhookHook[] =>
  room === undefined
    ? db.select().from(webhookHooks).all()
    : db.select().from(webhookHooks).where(eq(webhookHooks.room, room)).all()

/** Delete an incoming hook; true when it existed. Its URL stops working at the next request. */
export const deleteHook = (db: Db, id: string): boolean =>
  db.delete(webhookHooks).where(eq(webhookHooks.id, id)).run().changes > 0

export const touchHook = (db: Db, id: string, at: number): void => {
  db.update(webhookHooks).set({ lastUsedAt: at }).where(eq(webhookHooks.id, id)).run()
}

export const startDelivery = (
  db: Db,
  d: { room: string; url: string; seq: number },
  now = Date.now(),
): number =>
  db
    .insert(webhookDeliveries)
    .values({ ...d, status: 'pending', attempts: 0, createdAt: now, updatedAt: now })
    .returning({ id: webhookDeliveries.id })
    .get().id

export const recordAttempt = (
  db: Db,
  id: number,
  set: {
    status: WebhookDelivery['status']
    attempts: number
    httpStatus: number | null
    lastError: string | null
    errorCode?: string | null
  },
  now = Date.now(),
): void => {
  db.update(webhookDeliveries)
    .set({ ...set, errorCode: set.errorCode ?? null, updatedAt: now })
    .where(eq(webhookDeliveries.id, id))
    .run()
}

/** The latest deliveries of a room, newest first. */
export const deliveriesOf = (db: Db, room: string, limit = 50): WebhookDelivery[] =>
  db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.room, room))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit)
    .all()
