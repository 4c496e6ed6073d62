// SASL PLAIN, NickServ IDENTIFY and the server password, against a fake IRC server (fake-irc.ts):
// ngircd has no services or SASL, and these belong to networks we do not own. Checks the exact
// exchange the relay sends, that it still relays, and that no secret ever reaches the hub's logs.
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { FakeIrc } from './fake-irc.ts'
import { bridgeOnline, waitUntil } from './support.ts'

const SASL_PASSWORD = 'sasl-Secret-7f3a9c'
const NICKSERV_PASSWORD = 'nickserv-Secret-b41e02'
const SERVER_PASSWORD = 'server-Secret-55d0aa'

const hubWith = (fake: FakeIrc, server: Record<string, unknown>): Promise<TestHub> =>
  startHub({
    plugins: {
      irc: {
        servers: {
          fake: { host: '127.0.0.1', port: fake.port, nick: 'relay', floodBurst: 100, ...server },
        },
        links: [{ room: 'general', target: 'irc:fake/#general' }],
        reconnectMinMs: 100,
        reconnectMaxMs: 200,
        pollMs: 100,
      },
    },
    // Debug level too: a secret must not leak at any level.
    log: { level: 'debug' },
  })

/** Nothing the hub wrote (logs) or stored as link status may hold a secret, plain or in base64. */
const expectNoSecrets = (hub: TestHub, secrets: string[]) => {
  const written = JSON.stringify(hub.logs) + JSON.stringify(allStatus(hub.hub.db))
  expect(hub.logs.length).toBeGreaterThan(0)
  for (const s of secrets) {
    expect(written).not.toContain(s)
    expect(written).not.toContain(Buffer.from(s).toString('base64').slice(0, 12))
  }
}

describe('irc relay authentication (fake server)', () => {
  let fake: FakeIrc
  afterEach(() => fake?.close())

  describe('with SASL offered', () => {
    beforeEach(async () => {
      fake = new FakeIrc({ sasl: true, account: { user: 'relayacct', password: SASL_PASSWORD } })
      await fake.start()
    })

    test('SASL PLAIN, server password and NickServ IDENTIFY are sent in order, then it relays', async () => {
      const hub = await hubWith(fake, {
        password: SERVER_PASSWORD,
        sasl: { user: 'relayacct', password: SASL_PASSWORD },
        nickservPassword: NICKSERV_PASSWORD,
      })
      try {
        const alice = await hub.connect('alice')
        await alice.create('general')
        await alice.join('general')
        await bridgeOnline(alice, 'general')
        await waitUntil(() => fake.lines().some((l) => l.startsWith('JOIN')), 10_000, 'JOIN')

        const [first] = fake.connections
        const plain = Buffer.from(`relayacct\0relayacct\0${SASL_PASSWORD}`).toString('base64')
        // The whole registration, as the server saw it (the LS reply spans two lines: CAP 302).
        expect(first?.slice(0, first.indexOf('JOIN #general') + 1)).toEqual([
          'CAP LS 302',
          `PASS ${SERVER_PASSWORD}`,
          'NICK relay',
          'USER chathub 0 * :chathub bridge',
          'CAP REQ :sasl',
          'AUTHENTICATE PLAIN',
          `AUTHENTICATE ${plain}`,
          'CAP END',
          `PRIVMSG NickServ :IDENTIFY ${NICKSERV_PASSWORD}`,
          'JOIN #general',
        ])

        fake.say('carol', '#general', 'hello from the network')
        expect(await alice.next('message', (f) => f.from === 'carol@irc')).toMatchObject({
          text: 'hello from the network',
        })
        await alice.say('general', 'hi carol')
        await waitUntil(
          () => fake.lines().includes('PRIVMSG #general :<alice> hi carol'),
          10_000,
          'hub message on IRC',
        )
        expectNoSecrets(hub, [SASL_PASSWORD, NICKSERV_PASSWORD, SERVER_PASSWORD])
      } finally {
        await hub.close()
      }
    })

    test('a long credential goes in 400-byte AUTHENTICATE chunks; a refused login keeps the link down without leaking it', async () => {
      // 9 + 1 + 9 + 1 + 580 = 600 bytes = exactly 800 base64 characters: 400 + 400 + "+".
      const long = `wrong-${'p'.repeat(574)}`
      const hub = await hubWith(fake, { sasl: { user: 'relayacct', password: long } })
      try {
        const alice = await hub.connect('alice')
        await alice.create('general')
        const status = () => allStatus(hub.hub.db)[0]
        await waitUntil(() => /SASL login failed/.test(status()?.lastError ?? ''), 10_000, '904')
        expect(status()?.state).not.toBe('connected')
        const auth = (fake.connections[0] ?? []).filter((l) => l.startsWith('AUTHENTICATE '))
        expect(auth.map((l) => l.length - 'AUTHENTICATE '.length)).toEqual([5, 400, 400, 1])
        expect(
          auth
            .slice(1, 3)
            .join('')
            .replace(/AUTHENTICATE /g, ''),
        ).toBe(Buffer.from(`relayacct\0relayacct\0${long}`).toString('base64'))
        // Never registered, so never joined or identified.
        expect(fake.lines().some((l) => l.startsWith('JOIN') || l.includes('NickServ'))).toBe(false)
        expectNoSecrets(hub, [long])
      } finally {
        await hub.close()
      }
    })
  })

  test('sasl configured but not offered: the relay refuses to register without it', async () => {
    fake = new FakeIrc({ sasl: false })
    await fake.start()
    const hub = await hubWith(fake, { sasl: { user: 'relayacct', password: SASL_PASSWORD } })
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await waitUntil(
        () => /does not offer SASL/.test(allStatus(hub.hub.db)[0]?.lastError ?? ''),
        10_000,
        'no-SASL error',
      )
      expect(fake.lines()).not.toContain('CAP REQ :sasl')
      expect(fake.lines().some((l) => l.startsWith('JOIN'))).toBe(false)
      expectNoSecrets(hub, [SASL_PASSWORD])
    } finally {
      await hub.close()
    }
  })
})
