// A deleted message's text leaves every bridge table: the ledger keeps ids only, queued items of the
// message (not yet sent, or an edit of it) are dropped, and webhook delivery logs never hold bodies.
// Checked by reading the real SQLite file, after deletes on a webhook link and an IRC link.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { DB_FILE } from '#core/server'
import { ircAvailable, startNgircd } from '#test/helpers/ngircd'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { IrcUser } from '#test/plugins/irc/irc-user'
import { bridgeOnline, startIrcHub, waitUntil } from '#test/plugins/irc/support'

/** Every row of the bridge and webhook tables, as JSON text, read from the database file. */
const bridgeRows = (hub: TestHub): string => {
  const db = new Database(join(hub.dataDir, DB_FILE), { readonly: true, fileMustExist: true })
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'bridge\\_%' ESCAPE '\\' OR name LIKE 'webhooks\\_%' ESCAPE '\\')",
      )
      .all() as { name: string }[]
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['bridge_ledger', 'bridge_queue', 'webhooks_deliveries']),
    )
    return JSON.stringify(
      Object.fromEntries(
        tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}"`).all()]),
      ),
    )
  } finally {
    db.close()
  }
}

const status = (hub: TestHub) => {
  const [row] = allStatus(hub.hub.db)
  if (!row) throw new Error('no link status')
  return row
}

describe('a hub delete removes the text from the bridge tables', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  test('webhook link: delivered, queued and edited messages', async () => {
    const got: Record<string, unknown>[] = []
    let down = false
    const receiver: Server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (down) return void res.writeHead(500).end()
        got.push(JSON.parse(body) as Record<string, unknown>)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    cleanup.push(async () => {
      receiver.closeAllConnections()
      await new Promise((r) => receiver.close(r))
    })
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const hub = await startHub({
      plugins: {
        webhooks: {
          signingSecret: 'a-signing-secret-for-tests',
          allowPrivateDestinations: true,
          links: [{ room: 'general', target: `webhook:${url}` }],
          retries: 2,
          retryMinMs: 20,
          retryMaxMs: 20,
          reconnectMinMs: 300,
          reconnectMaxMs: 300,
          pollMs: 100,
        },
      },
    })
    cleanup.push(() => hub.close())
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    await waitUntil(
      async () =>
        (await alice.members('general')).members.some(
          (m) => m.user === 'webhook-bridge' && m.online,
        ),
      10_000,
      'webhook link online',
    )

    const delivered = await alice.say('general', 'secret-delivered-one')
    const changed = await alice.say('general', 'secret-delivered-two')
    await waitUntil(() => got.length === 2, 10_000, 'deliveries')
    down = true
    // While the receiver is down: a new message, an edit of a delivered one (an `edited` item holding
    // the new text), a message edited before it went out (its queued text is replaced).
    const queued = await alice.say('general', 'secret-queued-three')
    await alice.edit('general', changed.seq, 'secret-edit-of-two')
    const rewritten = await alice.say('general', 'secret-queued-four')
    await alice.edit('general', rewritten.seq, 'secret-queued-four-edited')
    // The queue holds text until it is delivered; an edit replaces the text of a queued message.
    await waitUntil(
      () => status(hub).queueLength === 3 && bridgeRows(hub).includes('secret-queued-four-edited'),
      10_000,
      'three items queued, one rewritten',
    )
    const before = bridgeRows(hub)
    expect(before).toContain('secret-edit-of-two')
    expect(before).not.toContain('"secret-queued-four"')

    for (const m of [delivered, changed, queued, rewritten]) await alice.delete('general', m.seq)
    // What is left: the two delete notices of what the receiver already had.
    await waitUntil(() => status(hub).queueLength === 2, 10_000, 'queue purged')
    expect(bridgeRows(hub)).not.toMatch(/secret-/)

    // Back up: the receiver learns of the deletes of what it had, and of nothing else.
    down = false
    const sentinel = await alice.say('general', 'sentinel')
    await waitUntil(() => got.some((g) => g.text === 'sentinel'), 15_000, 'sentinel')
    expect(got.map((g) => `${String(g.type)} ${String(g.seq)} ${String(g.text ?? '')}`)).toEqual([
      `message ${delivered.seq} secret-delivered-one`,
      `message ${changed.seq} secret-delivered-two`,
      `deleted ${delivered.seq} `,
      `deleted ${changed.seq} `,
      `message ${sentinel.seq} sentinel`,
    ])
    expect(bridgeRows(hub)).not.toMatch(/secret-/)
  })

  test.skipIf(!ircAvailable())('irc link: messages both ways', async () => {
    const daemon = await startNgircd()
    cleanup.push(() => daemon.close())
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#quiet' }],
    })
    cleanup.push(() => hub.close())
    const bob = await IrcUser.connect(daemon, 'bob', ['#quiet'])
    cleanup.push(() => bob.quit())
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    await bridgeOnline(alice, 'general')
    await bob.waitForNick('#quiet', 'relay')

    bob.say('#quiet', 'secret-from-irc')
    const inbound = await alice.next('message', (f) => f.text === 'secret-from-irc')
    const outbound = await alice.say('general', 'secret-from-hub')
    await bob.waitFor((h) => h.text === '<alice> secret-from-hub')
    await waitUntil(() => status(hub).queueLength === 0, 10_000, 'sent')
    expect(bridgeRows(hub)).not.toMatch(/secret-/) // the ledger keeps ids, never text

    // The room's owner deletes both (IRC cannot delete: nothing goes out); their ledger rows go.
    await alice.delete('general', inbound.seq)
    await alice.delete('general', outbound.seq)
    await alice.say('general', 'sentinel')
    await bob.waitFor((h) => h.text === '<alice> sentinel')
    const rows = JSON.parse(bridgeRows(hub)) as { bridge_ledger: { seq: number }[] }
    expect(rows.bridge_ledger.map((r) => r.seq)).not.toContain(inbound.seq)
    expect(rows.bridge_ledger.map((r) => r.seq)).not.toContain(outbound.seq)
    expect(JSON.stringify(rows)).not.toMatch(/secret-/)
  })
})
