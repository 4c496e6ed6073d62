// The audit log (a core facility any plugin may write to): append a hash-chained row, verify the
// chain, list rows. Each row stores sha256(previous hash + canonical row content); see docs/security.md.
import { createHash } from 'node:crypto'
import { asc, desc, eq, or } from '#drizzle'
import { type Db, writeTransaction } from '#core/db/client'
import { type AuditRow, auditLog } from '#core/db/schema/audit'

/** One fact for the audit log. Never put secrets, codes or passwords in `detail`. */
export interface AuditEntry {
  /** Who did it: a user name, or a CLI actor such as `data-dir`. */
  actor: string
  /** Dotted verb prefixed by its owner, e.g. `totp.enabled`. */
  action: string
  /** The user (or other object) acted upon. */
  target?: string | null
  /** Extra facts (JSON-serialisable). */
  detail?: Record<string, unknown> | null
  /** ms since epoch; defaults to now. */
  at?: number
}

export interface AuditRecord {
  id: number
  at: number
  actor: string
  action: string
  target: string | null
  detail: Record<string, unknown> | null
  hash: string
}

export interface AuditVerdict {
  ok: boolean
  /** Rows checked. */
  rows: number
  /** Hash of the last row (keep a copy elsewhere to detect truncation by someone with write access). */
  head: string
  /** The first row id whose content or link does not match (or the id after the last intact row). */
  brokenAt?: number
  reason?: 'hash' | 'link' | 'gap' | 'truncated'
}

/** JSON with object keys sorted at every level, so the same facts always hash the same. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  )

const rowHash = (prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string =>
  createHash('sha256')
    .update(prevHash)
    .update(canonicalJson([row.id, row.at, row.actor, row.action, row.target, row.detail]))
    .digest('hex')

/**
 * Append one row, chained to the last one. Runs in an IMMEDIATE transaction so that the hub and a
 * CLI process writing at the same time still form one chain.
 */
export const appendAudit = (db: Db, entry: AuditEntry): AuditRecord => {
  const at = entry.at ?? Date.now()
  const target = entry.target ?? null
  const detail = entry.detail ? canonicalJson(entry.detail) : null
  return writeTransaction(db, (tx) => {
    const last = tx.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1).get()
    const seq = db.$client
      .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")
      .get()
    const id = Math.max(last?.id ?? 0, seq?.seq ?? 0) + 1
    const prevHash = last?.hash ?? ''
    const row = { id, at, actor: entry.actor, action: entry.action, target, detail }
    const hash = rowHash(prevHash, row)
    tx.insert(auditLog).values({ ...row, prevHash, hash }).run()
    return { ...row, detail: entry.detail ?? null, hash }
  })
}

/**
 * Recompute the chain: an edited row fails its hash, a deleted row breaks the link (or leaves a gap
 * in the ids), a deleted tail shows against sqlite_sequence (the highest id ever handed out).
 */
export const verifyAudit = (db: Db): AuditVerdict => {
  let prev = ''
  let expectedId = 1
  let rows = 0
  for (const row of db.select().from(auditLog).orderBy(asc(auditLog.id)).all()) {
    rows++
    if (row.id !== expectedId) return { ok: false, rows, head: prev, brokenAt: expectedId, reason: 'gap' }
    if (row.prevHash !== prev) return { ok: false, rows, head: prev, brokenAt: row.id, reason: 'link' }
    if (rowHash(prev, row) !== row.hash) return { ok: false, rows, head: prev, brokenAt: row.id, reason: 'hash' }
    prev = row.hash
    expectedId++
  }
  const seq = db.$client
    .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")
    .get()
  if (seq && seq.seq >= expectedId) return { ok: false, rows, head: prev, brokenAt: expectedId, reason: 'truncated' }
  return { ok: true, rows, head: prev }
}

/** Rows oldest first; with `user`, only rows where that user is the actor or the target. */
export const listAudit = (db: Db, options: { user?: string; limit?: number } = {}): AuditRecord[] => {
  const where = options.user ? or(eq(auditLog.actor, options.user), eq(auditLog.target, options.user)) : undefined
  const q = db.select().from(auditLog).where(where).orderBy(asc(auditLog.id))
  const rows = options.limit ? q.limit(options.limit).all() : q.all()
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    hash: r.hash,
  }))
}
