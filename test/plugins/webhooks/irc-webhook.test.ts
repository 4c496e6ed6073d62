// Two bridges on one room: IRC <-> hub <-> webhook. Each relays the other's messages once, and no
// bridge sends its own messages back.
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import { IrcUser } from '#test/plugins/irc/irc-user'
import { bridgeOnline, startIrcHub, waitUntil } from '#test/plugins/irc/support'
import { createHook } from '#plugins/webhooks/admin'
import { addLink } from '#core/bridges/queries'

describe.skipIf(!ircAvailable())('irc <-> hub <-> webhook', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  test('messages cross both bridges once, with their senders', async () => {
    const got: Record<string, unknown>[] = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        got.push(JSON.parse(body) as Record<string, unknown>)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    const port = (receiver.address() as { port: number }).port
    const hub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: 'irc:local/#mix' }],
      extraPlugins: {
        webhooks: {
          signingSecret: 'a-signing-secret-for-tests',
          // The receiver is on the loopback: allowed by its address, as an operator would.
          allowDestinations: ['127.0.0.1'],
          links: [{ room: 'general', target: `webhook:http://127.0.0.1:${port}/in` }],
          pollMs: 100,
        },
      },
    })
    const bob = await IrcUser.connect(daemon, 'bob', ['#mix'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      // An incoming hook, made the way `chathub webhook create` makes it.
      const hook = createHook(hub.hub.db, 'general', 'ci')
      addLink(hub.hub.db, 'general', hook.target)
      await bridgeOnline(alice, 'general')
      await bridgeOnline(alice, 'general', 'webhook-bridge')
      await bob.waitForNick('#mix', 'relay')

      bob.say('#mix', 'from irc')
      await waitUntil(
        () => got.some((g) => g.text === 'from irc'),
        10_000,
        'IRC line at the receiver',
      )
      expect(got.find((g) => g.text === 'from irc')).toMatchObject({
        from: 'bob@irc',
        type: 'message',
      })

      const post = () =>
        fetch(new URL(hook.path, hub.url), {
          method: 'POST',
          body: JSON.stringify({ text: 'from ci', username: 'jenkins' }),
        })
      await waitUntil(async () => (await post()).status === 200, 10_000, 'incoming hook running')
      await bob.waitFor((h) => h.text === '<jenkins@webhook> from ci')
      await waitUntil(
        () => got.some((g) => g.text === 'from ci'),
        10_000,
        'webhook message at the receiver',
      )

      await new Promise((r) => setTimeout(r, 500))
      expect(bob.heard.filter((h) => h.text.includes('from irc'))).toEqual([])
      expect(got.filter((g) => g.text === 'from irc')).toHaveLength(1)
      const history = (await alice.history('general')).messages.map((m) => `${m.from}: ${m.text}`)
      expect(history.filter((h) => h === 'bob@irc: from irc')).toHaveLength(1)
      expect(history.filter((h) => h === 'jenkins@webhook: from ci')).toHaveLength(1)
    } finally {
      await bob.quit()
      await hub.close()
      receiver.closeAllConnections()
      await new Promise((r) => receiver.close(r))
    }
  })
})
