// Each bot's persistent key-value store (bots_kv), with a per-bot size quota. Only the plugin (in the
// hub process) touches it; the bot host asks over IPC. Synchronous, like all better-sqlite3 queries.
import { and, eq, sql } from '#drizzle'
import { type Db, writeTransaction } from '#core/plugin-api'
import { botsErrors } from './errors.ts'
import type { StoreOp } from './protocol.ts'
import { botsKv } from './schema.ts'

const MAX_KEY = 256

export const storeUsage = (db: Db, bot: string): number =>
  db.select({ n: sql<number>`coalesce(sum(${botsKv.size}), 0)` }).from(botsKv).where(eq(botsKv.bot, bot)).get()?.n ?? 0

export const storeKeys = (db: Db, bot: string): string[] =>
  db.select({ key: botsKv.key }).from(botsKv).where(eq(botsKv.bot, bot)).orderBy(botsKv.key).all().map((r) => r.key)

/** Run one store operation for a bot; `set` refuses to go over `quota` bytes (BOTS_STORE_QUOTA). */
export const runStoreOp = (db: Db, bot: string, op: StoreOp, quota: number, now: number): unknown => {
  if ('key' in op && (op.key.length === 0 || op.key.length > MAX_KEY)) {
    throw Object.assign(new Error(`store keys are 1-${MAX_KEY} characters`), { code: 'BOTS_STORE_KEY' })
  }
  const where = (key: string) => and(eq(botsKv.bot, bot), eq(botsKv.key, key))
  switch (op.op) {
    case 'store.get': {
      const row = db.select({ value: botsKv.value }).from(botsKv).where(where(op.key)).get()
      return row === undefined ? null : (JSON.parse(row.value) as unknown)
    }
    case 'store.set': {
      const size = Buffer.byteLength(op.key) + Buffer.byteLength(op.value)
      if (size > quota) throw botsErrors.storeQuota(quota)
      writeTransaction(db, (tx) => {
        const old = tx.select({ size: botsKv.size }).from(botsKv).where(where(op.key)).get()?.size ?? 0
        const used = tx
          .select({ n: sql<number>`coalesce(sum(${botsKv.size}), 0)` })
          .from(botsKv)
          .where(eq(botsKv.bot, bot))
          .get()?.n ?? 0
        if (used - old + size > quota) throw botsErrors.storeQuota(quota)
        tx.insert(botsKv)
          .values({ bot, key: op.key, value: op.value, size, updatedAt: now })
          .onConflictDoUpdate({ target: [botsKv.bot, botsKv.key], set: { value: op.value, size, updatedAt: now } })
          .run()
      })
      return null
    }
    case 'store.delete':
      return db.delete(botsKv).where(where(op.key)).run().changes > 0
    case 'store.keys':
      return storeKeys(db, bot)
  }
}
