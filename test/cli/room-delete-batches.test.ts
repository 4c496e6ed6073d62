// `chathub room delete` of a room with a long history beside a running hub: the room disappears at
// once, its rows go in many short write transactions (seen from outside as the count going down
// step by step), and the hub's clients in other rooms keep getting their sends acked meanwhile.
// Killed halfway, it leaves a consistent database that `chathub serve` finishes at start.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { DB_FILE, openDb } from '#core/db/client'
import { seededDataDir } from '#test/core/damaged-db'
import { json, runCli, startCli, tempDir } from '#test/helpers/run-cli'
import { serve, type ServeProcess } from '#test/helpers/serve-process'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const MESSAGES = 50_000

let hub: TestHub | undefined
const running: ServeProcess[] = []
afterEach(async () => {
  await hub?.close()
  hub = undefined
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
})

const fill = (sqlite: Database.Database, roomId: number, senderId: number) =>
  sqlite
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at)
       SELECT ?, i, ?, 'seed-' || i, 'message number ' || i, 0 FROM n`,
    )
    .run(MESSAGES, roomId, senderId)

test(
  'a 50k-message room: invisible at once, deleted in many transactions, other rooms keep working',
  { timeout: 120_000 },
  async () => {
    const dataDir = tempDir('chathub-purge-')
    const h = (hub = await startHub({}, { dataDir }))
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.create('big')
    await alice.join('big')
    await bob.create('chat')
    await bob.join('chat')
    const sqlite = h.hub.db.$client
    const room = sqlite
      .prepare<[], { id: number; created_by: number }>(
        "SELECT id, created_by FROM rooms WHERE name = 'big'",
      )
      .get()
    if (!room) throw new Error('no room')
    fill(sqlite, room.id, room.created_by)
    const count = sqlite.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM messages WHERE room_id = ?',
    )
    const named = sqlite.prepare("SELECT 1 FROM rooms WHERE name = 'big'")

    const deleting = startCli(['room', 'delete', 'big', '--json', '--data-dir', dataDir])
    let done = false
    void deleting.exited.then(() => (done = true))

    // What another connection sees while it runs: the remaining rows, and whether the name resolves.
    const samples: { n: number; visible: boolean }[] = []
    const sampling = (async () => {
      while (!done) {
        samples.push({ n: count.get(room.id)?.n ?? 0, visible: named.get() !== undefined })
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    // A client of the hub in another room, sending all along.
    const gaps: number[] = []
    const sending = (async () => {
      let last = performance.now()
      for (let i = 0; !done; i++) {
        await bob.say('chat', `still here ${i}`)
        const now = performance.now()
        gaps.push(now - last)
        last = now
      }
    })()

    const result = await deleting.exited
    await Promise.all([sampling, sending])
    expect(result.code, result.stderr).toBe(0)
    const report = json<{ name: string; deleted: boolean; rows: number; batches: number }>(result)
    expect(report).toMatchObject({ name: 'big', deleted: true })
    expect(report.rows).toBeGreaterThanOrEqual(MESSAGES)
    expect(report.batches).toBeGreaterThan(5)

    // Committed step by step: other connections saw several partial counts…
    const partial = new Set(samples.filter((s) => s.n > 0 && s.n < MESSAGES).map((s) => s.n))
    expect(partial.size).toBeGreaterThan(1)
    // …and never a partly deleted room that could still be reached by its name.
    expect(samples.filter((s) => s.n < MESSAGES && s.visible)).toEqual([])
    expect((await alice.next('kicked', (k) => k.room === 'big')).reason).toBe('room deleted')
    // The hub answered its other clients throughout.
    expect(gaps.length).toBeGreaterThan(1)
    console.info(
      `room delete: ${report.batches} transactions; longest wait for an ack meanwhile ${Math.round(Math.max(...gaps))} ms`,
    )

    expect(count.get(room.id)?.n).toBe(0)
    expect(sqlite.prepare('SELECT count(*) AS n FROM rooms WHERE id = ?').get(room.id)).toEqual({
      n: 0,
    })
    expect(sqlite.pragma('foreign_key_check')).toEqual([])
  },
)

test(
  'killed halfway: consistent, reported by db check, finished by the next serve',
  { timeout: 120_000 },
  async () => {
    const { dataDir, file } = seededDataDir(tempDir('chathub-purge-kill-'), MESSAGES)
    const reader = new Database(file, { readonly: true })
    const count = reader.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM messages WHERE room_id = (SELECT id FROM rooms WHERE name = 'big' OR name GLOB '~deleting-*')",
    )
    try {
      const deleting = startCli(['room', 'delete', 'big', '--data-dir', dataDir])
      for (;;) {
        const n = count.get()?.n ?? 0
        if (n > 0 && n < MESSAGES) break
        if (deleting.child.exitCode !== null)
          throw new Error(`room delete ended before it could be killed: ${deleting.stderr()}`)
        await new Promise((r) => setTimeout(r, 1))
      }
      deleting.child.kill('SIGKILL')
      await deleting.exited
      expect(deleting.child.signalCode).toBe('SIGKILL')
    } finally {
      reader.close()
    }

    // Every reference valid (openDb refuses broken ones), the room gone by name, its rest pending.
    const db = openDb(join(dataDir, DB_FILE))
    const left = db.$client
      .prepare<[], { name: string; n: number }>(
        "SELECT r.name, (SELECT count(*) FROM messages m WHERE m.room_id = r.id) AS n FROM rooms r WHERE r.name <> 'nothing'",
      )
      .all()
    db.$client.close()
    expect(left).toHaveLength(1)
    expect(left[0]?.name).toMatch(/^~deleting-\d+$/)
    expect(left[0]?.n).toBeGreaterThan(0)
    expect(left[0]?.n).toBeLessThan(MESSAGES)

    const checked = await runCli(['db', 'check', '--json', '--data-dir', dataDir])
    expect(checked.code, checked.stderr).toBe(0)
    expect(json(checked)).toMatchObject({
      ok: true,
      brokenReferences: [],
      pendingDeletions: [{ room: left[0]?.name, messages: left[0]?.n }],
    })

    const hubProcess = await serve({ dataDir })
    running.push(hubProcess)
    const after = openDb(join(dataDir, DB_FILE))
    try {
      const remaining = after.$client.prepare<[], { n: number }>(
        "SELECT count(*) AS n FROM rooms WHERE name GLOB '~deleting-*'",
      )
      const until = Date.now() + 60_000
      while ((remaining.get()?.n ?? 0) > 0) {
        if (Date.now() > until) throw new Error('serve did not finish the deletion')
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(after.$client.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 })
    } finally {
      after.$client.close()
    }
  },
)
