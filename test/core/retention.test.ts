// Retention and real deletion: messages past their room's policy are gone from history, catch-up,
// search and the database (with their reactions, attachments and files, and bridge ledger rows), newer
// ones stay, a room's own policy overrides the default and `forever` keeps everything; seq and rev
// never go backwards (not even across a restart); sweeps are audited and announced to running hubs.
// A removed account's messages stay anonymised, or with erase are deleted the same way.
import { readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import { listAudit, verifyAudit } from '#core/audit/audit-log'
import { AttachmentStore } from '#core/attachments/storage'
import { sweepAttachments } from '#core/attachments/sweep'
import type { HubEvent } from '#core/messages/events'
import { DAY_MS } from '#core/retention/policy'
import { type RetentionReport, sweepRetention } from '#core/retention/sweep'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { tempDir } from '#test/helpers/run-cli'

const DEFAULT_DAYS = 30

let hubs: TestHub[] = []
afterEach(async () => {
  // Let the last HTTP response finish first (a keep-alive connection holds close(): fastify/fastify#7044).
  await new Promise((resolve) => setTimeout(resolve, 20))
  const closing = hubs
  hubs = []
  await Promise.all(closing.map((h) => h.close()))
})

const start = async (
  retention: { days?: number; sweepIntervalSeconds?: number } = {},
  options: { dataDir?: string; now?: () => number; plugins?: Record<string, unknown> } = {},
) => {
  const { plugins = {}, ...hubOptions } = options
  const hub = await startHub(
    {
      retention: { days: DEFAULT_DAYS, sweepIntervalSeconds: 0, ...retention },
      attachments: { sweepIntervalSeconds: 0 },
      plugins,
    },
    hubOptions,
  )
  hubs.push(hub)
  const db = hub.hub.db
  const sqlite = db.$client
  const store = new AttachmentStore(join(hub.dataDir, 'attachments'))
  /** One retention sweep at `now` (default: the real clock), then the attachment sweep for the files. */
  const sweep = async (now = Date.now(), dryRun = false): Promise<RetentionReport> => {
    const report = await sweepRetention(db, {
      now,
      defaultDays: retention.days ?? DEFAULT_DAYS,
      actor: 'hub',
      dryRun,
    })
    await sweepAttachments(db, store, { now, unlinkedTtlMs: 3600_000 })
    return report
  }
  /** Make messages of a room older by `days` (the hub stamps them with the real clock). */
  const age = (room: string, seqs: number[], days: number) =>
    sqlite
      .prepare(
        `UPDATE messages SET created_at = created_at - ? WHERE room_id = (SELECT id FROM rooms WHERE name = ?)
         AND seq IN (SELECT value FROM json_each(?))`,
      )
      .run(days * DAY_MS, room, JSON.stringify(seqs))
  const rows = (room: string) =>
    sqlite
      .prepare<[string], { seq: number; text: string | null; sender: string }>(
        `SELECT m.seq, m.text, u.name AS sender FROM messages m JOIN users u ON u.id = m.sender_id
         WHERE m.room_id = (SELECT id FROM rooms WHERE name = ?) ORDER BY m.seq`,
      )
      .all(room)
  const files = () =>
    readdirSync(join(hub.dataDir, 'attachments'), { recursive: true, withFileTypes: true }).filter(
      (d) => d.isFile() && !d.parentPath.endsWith('tmp'),
    ).length
  return { hub, db, sqlite, sweep, age, rows, files, admin: new AdminService(db) }
}

const seqsOf = (messages: { seq: number }[]) => messages.map((m) => m.seq)

const waitUntil = async (
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('the sweep', () => {
  test('messages past the policy leave history, catch-up, search and the database with their reactions and files; newer ones stay', async () => {
    const { hub, sqlite, sweep, age, rows, files } = await start()
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('general')
    await bob.join('general')
    const file = await alice.upload('general', Buffer.from('an old file\n'))
    await alice.say('general', 'ancient one', { attachments: [file.id] })
    await alice.say('general', 'ancient two')
    await alice.say('general', 'ancient three')
    await bob.react('general', 2, '👍')
    await alice.say('general', 'recent four')
    await alice.say('general', 'recent five')
    age('general', [1, 2, 3], DEFAULT_DAYS + 1)
    expect((await alice.search('ancient')).results).toHaveLength(3) // indexed before the sweep
    expect(files()).toBe(1)

    const report = await sweep()
    expect(report).toMatchObject({
      messages: 3,
      attachments: 1,
      complete: true,
      rooms: [{ room: 'general', days: DEFAULT_DAYS, messages: 3, attachments: 1 }],
    })

    // seq 2 holds the room's highest rev (its reaction moved it): emptied rather than deleted.
    expect((await alice.history('general')).messages).toEqual([
      expect.objectContaining({
        seq: 2,
        text: null,
        from: '~deleted',
        deletedAt: expect.any(Number),
      }),
      expect.objectContaining({ seq: 4, text: 'recent four' }),
      expect.objectContaining({ seq: 5, text: 'recent five' }),
    ])
    expect(rows('general').map((r) => r.text)).toEqual([null, 'recent four', 'recent five'])
    expect(sqlite.prepare('SELECT count(*) AS n FROM reactions').get()).toEqual({ n: 0 })
    expect(sqlite.prepare('SELECT count(*) AS n FROM attachments').get()).toEqual({ n: 0 })
    expect(files()).toBe(0)
    await expect(alice.download(file.id)).rejects.toMatchObject({
      code: 'CHATHUB_ATTACHMENT_NOT_FOUND',
    })
    expect((await alice.search('ancient')).results).toEqual([])
    expect(
      sqlite
        .prepare(`SELECT count(*) AS n FROM messages_search WHERE messages_search MATCH 'ancient'`)
        .get(),
    ).toEqual({ n: 0 })

    // Catch-up from before, inside and after the gap: the messages that are left, no error.
    const carol = await hub.connect('carol')
    for (const since of [0, 2]) {
      carol.drain()
      const ack = await carol.join('general', since)
      expect(ack).toMatchObject({ seq: 5, more: false })
      const replayed = seqsOf(
        carol.drain().filter((f) => f.type === 'message') as { seq: number }[],
      )
      expect(replayed).toEqual(since === 0 ? [2, 4, 5] : [4, 5])
    }
    expect(await bob.resume('general', 0)).toMatchObject([
      { seq: 2, text: null },
      { seq: 4 },
      { seq: 5 },
    ])
  })

  test("a room's own policy overrides the default; forever keeps everything", async () => {
    const { hub, sweep, age, rows, admin } = await start()
    const alice = await hub.connect('alice')
    for (const room of ['short', 'plain', 'kept']) {
      await alice.create(room)
      for (const text of ['a', 'b', 'c']) await alice.say(room, `${room} ${text}`)
    }
    admin.updateRoom('short', { retentionDays: 7 })
    admin.updateRoom('kept', { retentionDays: 0 })
    for (const room of ['short', 'plain', 'kept']) age(room, [1, 2], 10)

    const first = await sweep()
    expect(first.rooms.map((r) => [r.room, r.days, r.messages])).toEqual([['short', 7, 2]])
    expect(rows('short').map((r) => r.text)).toEqual(['short c'])
    expect(rows('plain')).toHaveLength(3)

    // A hundred days later: the default (30 days) takes plain's old ones, forever keeps them all.
    for (const room of ['short', 'plain', 'kept']) age(room, [1, 2, 3], 100)
    const second = await sweep()
    expect(second.rooms.map((r) => [r.room, r.messages])).toEqual([
      ['short', 1],
      ['plain', 3],
    ])
    expect(rows('kept').map((r) => r.text)).toEqual(['kept a', 'kept b', 'kept c'])
    // The newest of a room is emptied, not deleted (it holds the room's seq): no text, no sender.
    expect(rows('plain')).toEqual([{ seq: 3, text: null, sender: '~deleted' }])
    expect((await alice.history('plain')).messages).toEqual([
      expect.objectContaining({
        seq: 3,
        text: null,
        from: '~deleted',
        deletedAt: expect.any(Number),
      }),
    ])
    // Nothing more to do: an emptied row is not counted again.
    expect(await sweep()).toMatchObject({ messages: 0, rooms: [] })
  })

  test('seq and rev never go backwards: a send after a sweep gets a higher seq, also after a restart', async () => {
    const dataDir = tempDir('chathub-retention-')
    const first = await start({}, { dataDir })
    const alice = await first.hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    for (const text of ['one', 'two', 'three']) await alice.say('general', text)
    await alice.edit('general', 2, 'two, edited')
    expect(await alice.next('edited')).toMatchObject({ seq: 2, rev: 1 })
    first.age('general', [1, 2, 3], 365)
    expect(await first.sweep()).toMatchObject({ messages: 3 })
    // Only the two rows that keep the counters are left, emptied.
    expect(first.rows('general')).toEqual([
      { seq: 2, text: null, sender: '~deleted' },
      { seq: 3, text: null, sender: '~deleted' },
    ])
    expect(await alice.say('general', 'four')).toMatchObject({ seq: 4 })
    await alice.close()
    await first.hub.close()
    hubs = hubs.filter((h) => h !== first.hub)

    const again = await start({}, { dataDir })
    const bob = await again.hub.connect('bob')
    await bob.join('general')
    expect(await bob.say('general', 'five')).toMatchObject({ seq: 5 })
    // Everything gone but the newest: the row holding the highest rev stays too.
    again.age('general', [4, 5], 365)
    await again.sweep()
    expect(again.rows('general').map((r) => r.seq)).toEqual([2, 5])
    await again.hub.close()
    hubs = hubs.filter((h) => h !== again.hub)

    const third = await start({}, { dataDir })
    const carol = await third.hub.connect('carol')
    await carol.join('general')
    expect(await carol.say('general', 'six')).toMatchObject({ seq: 6 })
    await carol.edit('general', 6, 'six, edited')
    expect(await carol.next('edited')).toMatchObject({ seq: 6, rev: 2 })
  })

  test(
    'a long history goes in many short write transactions while clients keep getting acks',
    { timeout: 60_000 },
    async () => {
      const { hub, sqlite, db, rows } = await start()
      const alice = await hub.connect('alice')
      await alice.create('big')
      await alice.create('chat')
      await alice.join('chat')
      const old = Date.now() - 400 * DAY_MS
      sqlite
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at)
         SELECT (SELECT id FROM rooms WHERE name = 'big'), i, (SELECT id FROM users WHERE name = 'alice'), 'seed-' || i, 'old ' || i, ? FROM n`,
        )
        .run(old)
      for (let i = 0; i < 20; i++) await alice.say('chat', `before ${i}`) // warm (validators, statements)
      const batches: number[] = []
      let sending = true
      let acked = 0
      const sender = (async () => {
        for (let i = 0; sending; i++) {
          await alice.say('chat', `during ${i}`)
          acked++
        }
      })()
      const report = await sweepRetention(db, {
        now: Date.now(),
        defaultDays: DEFAULT_DAYS,
        actor: 'hub',
        onBatch: (b) => batches.push(b.ms),
      })
      sending = false
      await sender
      expect(report).toMatchObject({ messages: 20000, complete: true })
      expect(rows('big')).toEqual([{ seq: 20000, text: null, sender: '~deleted' }])
      // Many transactions of about 10 ms (the median: a loaded machine stretches a few), and the
      // client's sends were acked between them, not after the sweep (timings: docs/operations.md).
      expect(batches.length).toBeGreaterThan(5)
      expect([...batches].sort((a, b) => a - b)[batches.length >> 1]).toBeLessThan(50)
      expect(acked).toBeGreaterThanOrEqual(batches.length / 2)
    },
  )

  test("bridge ledger rows and queued items of swept messages go; the others' stay", async () => {
    const { hub, sqlite, sweep, age } = await start()
    const alice = await hub.connect('alice')
    await alice.create('general')
    for (const text of ['one', 'two', 'three']) await alice.say('general', text)
    age('general', [1, 2], 60)
    const now = Date.now()
    sqlite
      .prepare(
        `INSERT INTO bridge_link_status (link, room, target, state, updated_at) VALUES ('l1', 'general', 'irc:x/#g', 'down', ?)`,
      )
      .run(now)
    const ledger = sqlite.prepare(
      `INSERT INTO bridge_ledger (network, link, remote_id, sender, room, seq, direction, created_at) VALUES ('irc', 'l1', ?, 'alice', 'general', ?, 'out', ?)`,
    )
    for (const seq of [1, 2, 3]) ledger.run(`r${seq}`, seq, now)
    const queue = sqlite.prepare(
      `INSERT INTO bridge_queue (link, payload, created_at) VALUES ('l1', ?, ?)`,
    )
    for (const seq of [2, 3])
      queue.run(
        JSON.stringify({
          item: { type: 'message', seq, from: 'alice', parts: [`text ${seq}`] },
          ledger: true,
        }),
        now,
      )
    queue.run(JSON.stringify({ item: { type: 'dropped', count: 4 }, ledger: false }), now)

    await sweep()
    expect(sqlite.prepare('SELECT seq FROM bridge_ledger ORDER BY seq').all()).toEqual([{ seq: 3 }])
    expect(
      sqlite
        .prepare(
          `SELECT json_extract(payload, '$.item.type') AS type, json_extract(payload, '$.item.seq') AS seq FROM bridge_queue ORDER BY id`,
        )
        .all(),
    ).toEqual([
      { type: 'message', seq: 3 },
      { type: 'dropped', seq: null },
    ])
  })

  test('a dry run counts and changes nothing; a sweep that deletes is audited, one that does not is not', async () => {
    const { hub, db, sweep, age, rows } = await start()
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.create('ops')
    for (const room of ['general', 'ops'])
      for (const text of ['a', 'b']) await alice.say(room, text)
    age('general', [1, 2], 40)
    age('ops', [1], 40)
    const before = listAudit(db).length

    const dry = await sweep(Date.now(), true)
    expect(dry).toMatchObject({
      dryRun: true,
      messages: 3,
      rooms: [
        { room: 'general', messages: 2 },
        { room: 'ops', messages: 1 },
      ],
    })
    expect(rows('general')).toHaveLength(2)
    expect(listAudit(db)).toHaveLength(before)

    await sweep()
    const [row, ...more] = listAudit(db).slice(before)
    expect(more).toEqual([])
    expect(row).toMatchObject({
      actor: 'hub',
      action: 'retention.swept',
      target: null,
      detail: {
        rooms: {
          general: { days: 30, messages: 2, attachments: 0 },
          ops: { days: 30, messages: 1, attachments: 0 },
        },
        messages: 3,
        attachments: 0,
        complete: true,
      },
    })
    await sweep()
    expect(listAudit(db).slice(before)).toHaveLength(1)
    expect(verifyAudit(db).ok).toBe(true)
  })

  test('a retention policy change is audited as room.changed with the days', async () => {
    const { hub, db, admin } = await start()
    const alice = await hub.connect('alice')
    await alice.create('general')
    const before = listAudit(db).length
    admin.updateRoom('general', { retentionDays: 90 })
    admin.updateRoom('general', { retentionDays: null })
    expect(
      listAudit(db)
        .slice(before)
        .map((r) => [r.actor, r.action, r.target, r.detail]),
    ).toEqual([
      ['data-dir', 'room.changed', 'general', { retentionDays: 90 }],
      ['data-dir', 'room.changed', 'general', { retentionDays: null }],
    ])
  })
})

describe('bridges', () => {
  test("a running hub's bridge link drops its queued items of swept messages: they never go out", async () => {
    const got: string[] = []
    let down = false
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (down) return void res.writeHead(500).end()
        got.push(String((JSON.parse(body) as { text?: unknown }).text))
        res.end('ok')
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
      const webhooks = {
        signingSecret: 'a-signing-secret-for-tests',
        allowPrivateDestinations: true,
        links: [{ room: 'general', target: `webhook:${url}` }],
        retries: 1,
        retryMinMs: 20,
        retryMaxMs: 20,
        // Down long enough for the sweep to happen while nothing is being sent.
        reconnectMinMs: 3000,
        reconnectMaxMs: 3000,
        pollMs: 100,
      }
      const { hub, sqlite, sweep, age } = await start({}, { plugins: { webhooks } })
      const link = () =>
        sqlite
          .prepare<[], { state: string; queueLength: number }>(
            'SELECT state, queue_length AS queueLength FROM bridge_link_status',
          )
          .get()
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await waitUntil(
        async () =>
          (await alice.members('general')).members.some(
            (m) => m.user === 'webhook-bridge' && m.online,
          ),
        'link online',
      )
      await alice.say('general', 'delivered before')
      await waitUntil(() => got.length === 1, 'delivery')
      down = true
      await alice.say('general', 'secret-queued-two')
      await alice.say('general', 'secret-queued-three')
      await waitUntil(
        () => link()?.state === 'down' && link()?.queueLength === 2,
        'link down with two queued',
      )

      age('general', [1, 2, 3], DEFAULT_DAYS + 1)
      await sweep()
      // The feed row reaches the hub's watcher, whose `swept` event makes the link drop them.
      await waitUntil(() => link()?.queueLength === 0, 'queue emptied')
      down = false
      await alice.say('general', 'sentinel')
      await waitUntil(() => got.includes('sentinel'), 'sentinel')
      expect(got).toEqual(['delivered before', 'sentinel'])
      const rows = JSON.stringify([
        sqlite.prepare('SELECT * FROM bridge_queue').all(),
        sqlite.prepare('SELECT * FROM bridge_ledger').all(),
      ])
      expect(rows).not.toMatch(/secret-/)
    } finally {
      receiver.closeAllConnections()
      await new Promise((r) => receiver.close(r))
    }
  }, 30_000)
})

describe('the hub timer', () => {
  test('the hub sweeps every sweepIntervalSeconds on its clock, audits as hub and announces the room as swept', async () => {
    const clock = { now: Date.now() }
    const { hub, db, rows } = await start({ sweepIntervalSeconds: 1 }, { now: () => clock.now })
    const alice = await hub.connect('alice')
    await alice.create('general')
    for (const text of ['a', 'b', 'c']) await alice.say('general', text)
    const events: HubEvent[] = []
    const swept = new Promise<void>((resolve) =>
      hub.hub.events.subscribe((e) => {
        events.push(e)
        if (e.type === 'room' && e.change === 'swept') resolve()
      }),
    )
    clock.now += (DEFAULT_DAYS + 1) * DAY_MS
    await swept
    expect(events.filter((e) => e.type === 'room')).toEqual([
      { type: 'room', room: 'general', change: 'swept', roomSeq: 3 },
    ])
    expect(rows('general')).toEqual([{ seq: 3, text: null, sender: '~deleted' }])
    expect(listAudit(db).filter((r) => r.action === 'retention.swept')).toEqual([
      expect.objectContaining({ actor: 'hub', detail: expect.objectContaining({ messages: 3 }) }),
    ])
    // Connected clients get no event per message: history just no longer has them.
    expect(await alice.say('general', 'd')).toMatchObject({ seq: 4 })
    expect(seqsOf((await alice.history('general')).messages)).toEqual([3, 4])
  })
})

describe('removing an account', () => {
  test('without erase its messages stay, shown as from ~deleted; with erase they are deleted for good', async () => {
    const { hub, db, sqlite, rows, files } = await start()
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const carol = await hub.connect('carol')
    await alice.create('general')
    await alice.create('ops')
    await bob.join('general')
    await carol.join('general')
    await carol.join('ops')
    await bob.say('general', 'bob was here')
    const file = await carol.upload('general', Buffer.from("carol's file\n"))
    await carol.say('general', 'carol one', { attachments: [file.id] })
    await alice.react('general', 2, '🎉')
    await alice.say('general', 'alice in between')
    await carol.say('general', 'carol two')
    await carol.say('ops', 'carol in ops')
    await bob.close()
    await carol.close()
    const before = listAudit(db).length
    const admin = new AdminService(db)

    expect(await admin.removeUser('bob')).toMatchObject({
      erased: false,
      messages: 1,
      rooms: { general: 1 },
    })
    expect(rows('general')[0]).toEqual({ seq: 1, text: 'bob was here', sender: '~deleted' })

    const erased = await admin.removeUser('carol', { erase: true })
    expect(erased).toMatchObject({
      erased: true,
      messages: 3,
      attachments: 1,
      rooms: { general: 2, ops: 1 },
    })
    // carol's newest in each room (it holds the room's seq) and her message with the room's highest
    // rev (alice's reaction moved it) are emptied, the rest deleted.
    expect(rows('general')).toEqual([
      { seq: 1, text: 'bob was here', sender: '~deleted' },
      { seq: 2, text: null, sender: '~deleted' },
      { seq: 3, text: 'alice in between', sender: 'alice' },
      { seq: 4, text: null, sender: '~deleted' },
    ])
    expect(rows('ops')).toEqual([{ seq: 1, text: null, sender: '~deleted' }])
    expect(sqlite.prepare('SELECT count(*) AS n FROM reactions').get()).toEqual({ n: 0 })
    await sweepAttachments(db, new AttachmentStore(join(hub.dataDir, 'attachments')), {
      now: Date.now(),
      unlinkedTtlMs: 3600_000,
    })
    expect(files()).toBe(0)
    expect((await alice.search('carol')).results).toEqual([])
    expect(await alice.say('general', 'after')).toMatchObject({ seq: 5 })

    expect(
      listAudit(db)
        .slice(before)
        .map((r) => [r.action, r.target, r.detail]),
    ).toEqual([
      ['user.removed', 'bob', { messages: 1, erased: false }],
      ['user.erased', 'carol', { messages: 3, attachments: 1, rooms: { general: 2, ops: 1 } }],
      ['user.removed', 'carol', { messages: 3, erased: true }],
    ])
    await expect(admin.removeUser('~deleted')).rejects.toMatchObject({
      code: 'CHATHUB_USER_RESERVED',
    })
  })
})
