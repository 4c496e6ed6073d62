// The core audit log: rows are hash-chained; an edited, deleted or truncated row is detected.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { appendAudit, canonicalJson, listAudit, verifyAudit } from '#core/audit/audit-log'
import { type Db, openDb } from '#core/db/client'

let db: Db
beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-audit-'))
  db = openDb(join(dir, 'chathub.db'))
  for (let i = 1; i <= 5; i++) {
    appendAudit(db, {
      actor: i % 2 ? 'alice' : 'root',
      action: `test.step${i}`,
      target: 'bob',
      detail: { i, z: 1, a: 2 },
      at: 1000 + i,
    })
  }
  return () => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an untouched chain verifies, and each row links to the previous hash', () => {
  expect(verifyAudit(db)).toMatchObject({ ok: true, rows: 5 })
  const rows = db.$client
    .prepare<[], { id: number; prev_hash: string; hash: string }>(
      'SELECT id, prev_hash, hash FROM audit_log ORDER BY id',
    )
    .all()
  expect(rows[0]?.prev_hash).toBe('')
  for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash)
  expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}')
})

test('an edited row is detected', () => {
  db.$client.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 3").run()
  expect(verifyAudit(db)).toMatchObject({ ok: false, brokenAt: 3, reason: 'hash' })
})

test('an edited row with a recomputed own hash breaks the next link', () => {
  db.$client.prepare("UPDATE audit_log SET detail = '{}', hash = 'f00' WHERE id = 2").run()
  expect(verifyAudit(db)).toMatchObject({ ok: false, brokenAt: 2 })
})

test('a deleted row is detected, also after more rows are appended', () => {
  db.$client.prepare('DELETE FROM audit_log WHERE id = 2').run()
  expect(verifyAudit(db)).toMatchObject({ ok: false, brokenAt: 2 })
  appendAudit(db, { actor: 'x', action: 'test.more' })
  expect(verifyAudit(db).ok).toBe(false)
})

test('a deleted last row is detected (ids handed out are remembered)', () => {
  db.$client.prepare('DELETE FROM audit_log WHERE id = 5').run()
  expect(verifyAudit(db)).toMatchObject({ ok: false, brokenAt: 5, reason: 'truncated' })
  appendAudit(db, { actor: 'x', action: 'test.more' })
  expect(verifyAudit(db)).toMatchObject({ ok: false, brokenAt: 5, reason: 'gap' })
})

test('listAudit filters by actor or target', () => {
  expect(listAudit(db, { user: 'root' }).map((r) => r.action)).toEqual(['test.step2', 'test.step4'])
  expect(listAudit(db, { user: 'bob' })).toHaveLength(5)
  expect(listAudit(db, { user: 'nobody' })).toHaveLength(0)
  expect(listAudit(db)[0]).toMatchObject({ id: 1, actor: 'alice', detail: { i: 1, z: 1, a: 2 } })
})
