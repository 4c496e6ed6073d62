// The IRC bridge across restarts: the daemon restarted mid-conversation (queue delivered in order,
// or a bounded queue reporting what it dropped), and the hub restarted (the ledger keeps edits working).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import type { TestHub } from '#test/helpers/start-hub'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub, waitUntil } from './support.ts'

const status = (hub: TestHub) => {
  const [row] = allStatus(hub.hub.db)
  if (!row) throw new Error('no link status')
  return row
}

describe.skipIf(!ircAvailable())('irc bridge restarts', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  /** Stop the daemon, run `whileDown`, start it again and bring bob back before the relay retries. */
  const restartDaemon = async (hub: TestHub, whileDown: () => Promise<void>): Promise<IrcUser> => {
    await daemon.stop()
    await waitUntil(() => status(hub).state === 'down', 5000, 'link down')
    await whileDown()
    await daemon.start()
    return IrcUser.connect(daemon, 'bob', ['#general'])
  }

  test('a daemon restart mid-conversation: the relay reconnects and delivers the queue in order', async () => {
    // A fixed 2 s back-off: bob is back in the channel before the relay's first retry.
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#general' }],
      reconnectMinMs: 2000,
      reconnectMaxMs: 2000,
    })
    let bob = await IrcUser.connect(daemon, 'bob', ['#general'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#general', 'relay')
      await alice.say('general', 'before')
      await bob.waitFor((h) => h.text === '<alice> before')

      bob = await restartDaemon(hub, async () => {
        for (let i = 0; i < 20; i++) await alice.say('general', `queued ${i}`)
        await waitUntil(() => status(hub).queueLength === 20, 5000, 'queue of 20')
        expect(status(hub)).toMatchObject({ state: 'down', queueLength: 20, dropped: 0 })
        expect(status(hub).lastError).toBeTruthy()
      })
      const lines = await bob.waitFor((h) => h.text.startsWith('<alice> queued'), 20, 10_000)
      expect(lines.map((l) => l.text)).toEqual(
        Array.from({ length: 20 }, (_, i) => `<alice> queued ${i}`),
      )
      await waitUntil(
        () => status(hub).state === 'connected' && status(hub).queueLength === 0,
        5000,
        'queue drained',
      )

      bob.say('#general', 'after the restart')
      expect(await alice.next('message', (f) => f.from === 'bob@irc')).toMatchObject({
        text: 'after the restart',
      })
    } finally {
      await bob.quit()
      await hub.close()
    }
  })

  test('a bounded queue drops the oldest and tells the channel how many', async () => {
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#general' }],
      reconnectMinMs: 2000,
      reconnectMaxMs: 2000,
      queueMax: 5,
    })
    let bob = await IrcUser.connect(daemon, 'bob', ['#general'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#general', 'relay')

      bob = await restartDaemon(hub, async () => {
        for (let i = 0; i < 12; i++) await alice.say('general', `m${i}`)
        await waitUntil(() => status(hub).dropped === 8, 5000, '8 dropped')
        expect(status(hub).queueLength).toBe(5)
      })
      const lines = await bob.waitFor((h) => h.text.startsWith('<alice> m'), 4, 10_000)
      expect(bob.heard[0]?.text).toMatch(/^\[chathub\] 8 message\(s\) .* dropped/)
      expect(lines.map((l) => l.text)).toEqual([
        '<alice> m8',
        '<alice> m9',
        '<alice> m10',
        '<alice> m11',
      ])
    } finally {
      await bob.quit()
      await hub.close()
    }
  })

  test("after a hub restart, corrections still find the remote sender's message (persisted ledger)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chathub-irc-ledger-'))
    const links = [{ room: 'general', target: 'irc:local/#general' }]
    const bob = await IrcUser.connect(daemon, 'bob', ['#general'])
    try {
      let hub = await startIrcHub(daemon, { links }, dataDir)
      let alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#general', 'relay')
      bob.say('#general', 'see you at teh park')
      const original = await alice.next('message', (f) => f.from === 'bob@irc')
      await hub.close()

      // While the hub is away, hub history moves on only when it is back; the cursor resumes there.
      hub = await startIrcHub(daemon, { links }, dataDir)
      try {
        alice = await hub.connect('alice')
        await alice.join('general')
        await bridgeOnline(alice, 'general')
        await bob.waitForNick('#general', 'relay')
        bob.say('#general', 's/teh/the/')
        expect(await alice.next('edited')).toMatchObject({
          seq: original.seq,
          text: 'see you at the park',
        })
        await alice.say('general', 'welcome back')
        await bob.waitFor((h) => h.text === '<alice> welcome back')
      } finally {
        await hub.close()
      }
    } finally {
      await bob.quit()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
