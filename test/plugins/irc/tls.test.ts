// The IRC bridge over TLS against a real ngircd (Debian builds it with GnuTLS, `ngircd -V` shows +SSL):
// a TLS port with a self-signed certificate made for this run, trusted with `tlsCaFile`; without it
// the certificate is refused, and `tlsInsecure` skips the check.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import { startHub } from '#test/helpers/start-hub'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub, waitUntil } from './support.ts'

describe.skipIf(!ircAvailable())('irc bridge over TLS', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd({ tls: true })
  })
  afterAll(() => daemon?.close())

  test('relays both ways through the TLS port, trusting the test certificate with tlsCaFile', async () => {
    expect(daemon.tlsPort).toBeGreaterThan(0)
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#secure' }],
      server: { port: daemon.tlsPort, tls: true, tlsCaFile: daemon.certFile },
    })
    // bob uses the plain port of the same daemon: only the relay speaks TLS.
    const bob = await IrcUser.connect(daemon, 'bob', ['#secure'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      const relay = await bob.waitForNick('#secure', 'relay')

      await alice.say('general', 'over **tls**')
      const [line] = await bob.waitFor((h) => h.text.includes('over'))
      expect(line).toMatchObject({ nick: relay, text: '<alice> over \x02tls\x02' })

      bob.say('#secure', 'and back')
      expect(await alice.next('message', (f) => f.from === 'bob@irc')).toMatchObject({
        text: 'and back',
        via: 'irc-bridge',
      })
      // The daemon saw a TLS session (GnuTLS logs it per connection).
      expect(daemon.output()).toMatch(/initialized TLS/)
    } finally {
      await bob.quit()
      await hub.close()
    }
  })

  test('an untrusted certificate is refused (link down with the reason); tlsInsecure accepts it', async () => {
    const base = { host: daemon.host, port: daemon.tlsPort, tls: true, floodBurst: 100 }
    const hub = await startHub({
      plugins: {
        irc: {
          servers: {
            strict: { ...base, nick: 'strict' },
            insecure: { ...base, nick: 'insecure', tlsInsecure: true },
          },
          links: [
            { room: 'one', target: 'irc:strict/#one' },
            { room: 'two', target: 'irc:insecure/#two' },
          ],
          reconnectMinMs: 100,
          reconnectMaxMs: 400,
          pollMs: 100,
        },
      },
    })
    try {
      const alice = await hub.connect('alice')
      for (const room of ['one', 'two']) await alice.create(room)
      const status = (channel: string) =>
        allStatus(hub.hub.db).find((s) => s.target.endsWith(channel))
      await waitUntil(() => status('#one')?.lastError != null, 10_000, 'strict link error')
      expect(status('#one')?.state).not.toBe('connected')
      expect(status('#one')?.lastError).toMatch(/self[- ]signed|certificate/i)
      await waitUntil(() => status('#two')?.state === 'connected', 10_000, 'insecure link up')
    } finally {
      await hub.close()
    }
  })
})
