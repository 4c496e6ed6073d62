// Text relayed to IRC never holds CR, LF or NUL (RFC 2812 §2.3.1): a lone CR cannot inject a command,
// a NUL cannot wedge the relay (ngircd stops reading a connection after one). And a relay whose server
// stops answering says so (link down, with the reason) and sends the line again after reconnecting.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { FakeIrc } from './fake-irc.ts'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub, waitUntil } from './support.ts'

const status = (hub: TestHub) => {
  const [row] = allStatus(hub.hub.db)
  if (!row) throw new Error('no link status')
  return row
}

describe.skipIf(!ircAvailable())('irc line safety against ngircd', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  const setup = async (channel: string, others: string[]) => {
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: `irc:local/${channel}` }],
    })
    const bob = await IrcUser.connect(daemon, 'bob', [channel])
    // eve is in #other and in the linked channel: she hears an injected line and the sentinel.
    const eve = await IrcUser.connect(daemon, 'eve', [...others, channel])
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    await bridgeOnline(alice, 'general')
    const relay = await bob.waitForNick(channel, 'relay')
    const close = async () => {
      await bob.quit()
      await eve.quit()
      await hub.close()
    }
    return { hub, bob, eve, alice, relay, close }
  }

  test('a lone CR cannot inject a command: it arrives as text, nothing reaches #other', async () => {
    const { hub, bob, eve, alice, relay, close } = await setup('#crlf', ['#other'])
    try {
      await alice.say('general', 'look\rPRIVMSG #other :pwned')
      await alice.say('general', 'and\r\nJOIN #other')
      await alice.say('general', 'sentinel after the CR')
      // The server handles the relay's lines in order: once eve has the sentinel, any injected
      // PRIVMSG (or JOIN) would have reached #other before it.
      await eve.waitFor((h) => h.target === '#crlf' && h.text === '<alice> sentinel after the CR')
      expect(eve.heard.filter((h) => h.target.toLowerCase() === '#other')).toEqual([])
      const lines = await bob.waitFor((h) => h.nick === relay, 5)
      expect(lines.map((h) => h.text)).toEqual([
        '<alice> look',
        '<alice> PRIVMSG #other :pwned',
        '<alice> and',
        '<alice> JOIN #other',
        '<alice> sentinel after the CR',
      ])
      // The line left the queue once the daemon confirmed it (PING), which may follow its arrival.
      await waitUntil(() => status(hub).queueLength === 0, 10_000, 'queue empty')
      expect(status(hub)).toMatchObject({ state: 'connected', queueLength: 0 })
    } finally {
      await close()
    }
  })

  test('a NUL is removed, not sent: the line arrives and the link keeps relaying', async () => {
    const { hub, bob, alice, relay, close } = await setup('#nul', [])
    try {
      await alice.say('general', 'nul\0here and \0there')
      await alice.say('general', '**bold**\0 after')
      await alice.say('general', 'the next message')
      await bob.waitFor((h) => h.text === '<alice> the next message')
      expect(bob.heard.filter((h) => h.nick === relay).map((h) => h.text)).toEqual([
        '<alice> nulhere and there',
        '<alice> \x02bold\x02 after',
        '<alice> the next message',
      ])
      // The line left the queue once the daemon confirmed it (PING), which may follow its arrival.
      await waitUntil(() => status(hub).queueLength === 0, 10_000, 'queue empty')
      expect(status(hub)).toMatchObject({ state: 'connected', queueLength: 0 })
    } finally {
      await close()
    }
  })
})

describe.skipIf(!ircAvailable())('irc relay that the channel stops taking lines from', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  test('a moderated channel (404): the link reports it and delivers once the relay may speak', async () => {
    // bob creates #mod first: he is its operator, the relay a plain member.
    const bob = await IrcUser.connect(daemon, 'bob', ['#mod'])
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#mod' }],
      reconnectMinMs: 200,
      reconnectMaxMs: 200,
    })
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#mod', 'relay')
      // bob's lines are handled in order: once his sentinel is in the hub, +m is in force.
      bob.client.raw('MODE', '#mod', '+m')
      bob.say('#mod', 'moderated now')
      await alice.next('message', (f) => f.from === 'bob@irc' && f.text === 'moderated now')

      await alice.say('general', 'while moderated')
      await waitUntil(
        () =>
          status(hub).state === 'down' &&
          /refused to relay to #mod/.test(status(hub).lastError ?? ''),
        10_000,
        'the link down with the refusal',
      )
      expect(status(hub).queueLength).toBe(1)

      bob.client.raw('MODE', '#mod', '-m')
      // Nothing lost: the refused message arrives once the relay may speak again.
      await bob.waitFor((h) => h.text === '<alice> while moderated')
      await waitUntil(() => status(hub).queueLength === 0, 10_000, 'queue empty')
    } finally {
      await bob.quit()
      await hub.close()
    }
  })
})

describe('irc relay whose server stops answering (fake server)', () => {
  let fake: FakeIrc
  beforeAll(async () => {
    fake = new FakeIrc({ sasl: false })
    await fake.start()
  })
  afterAll(() => fake?.close())

  test('the link reports it (down, with the reason) and sends the line again after reconnecting', async () => {
    const hub = await startHub({
      plugins: {
        irc: {
          servers: {
            fake: {
              host: '127.0.0.1',
              port: fake.port,
              nick: 'relay',
              floodBurst: 100,
              answerTimeoutMs: 300,
            },
          },
          links: [{ room: 'general', target: 'irc:fake/#general' }],
          // Slow enough a retry that the `down` state can be seen.
          reconnectMinMs: 1500,
          reconnectMaxMs: 1500,
          pollMs: 100,
        },
      },
    })
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await waitUntil(() => status(hub).state === 'connected', 10_000, 'relay connected')
      await alice.say('general', 'first')
      await waitUntil(
        () => fake.lines().includes('PRIVMSG #general :<alice> first'),
        10_000,
        'first',
      )

      // The server stops reading this connection, as ngircd does after a NUL.
      fake.stall()
      await alice.say('general', 'while stalled')
      await waitUntil(() => status(hub).state === 'down', 10_000, 'link down')
      expect(status(hub).lastError).toMatch(/stopped answering/)
      expect(status(hub).queueLength).toBe(1)

      // Reconnected on a new connection: the unconfirmed line is sent again, nothing is lost.
      await waitUntil(
        () => (fake.connections.at(-1) ?? []).includes('PRIVMSG #general :<alice> while stalled'),
        10_000,
        'line sent again',
      )
      await waitUntil(() => status(hub).queueLength === 0, 10_000, 'queue empty')
      expect(status(hub).state).toBe('connected')
      expect(fake.connections).toHaveLength(2)
    } finally {
      await hub.close()
    }
  })
})
