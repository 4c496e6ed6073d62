// The IRC bridge against a real ngircd: both directions, actions, corrections, ordering, no echo.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import type { TestHub } from '#test/helpers/start-hub'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub, waitUntil } from './support.ts'

describe.skipIf(!ircAvailable())('irc bridge relays', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  describe('one link', () => {
    let hub: TestHub
    let bob: IrcUser
    beforeEach(async () => {
      hub = await startIrcHub(daemon, {
        links: [{ room: 'general', target: 'irc:local/#general' }],
      })
      bob = await IrcUser.connect(daemon, 'bob', ['#general'])
      return async () => {
        await bob.quit()
        await hub.close()
      }
    })

    test('hub -> IRC and IRC -> hub, with names, formatting and actions', async () => {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      const relay = await bob.waitForNick('#general', 'relay')

      await alice.say('general', 'hello **world**')
      const [line] = await bob.waitFor((h) => h.text.includes('hello'))
      expect(line).toMatchObject({
        nick: relay,
        target: '#general',
        text: '<alice> hello \x02world\x02',
      })

      bob.say('#general', 'hi \x02there\x02')
      const msg = await alice.next('message', (f) => f.from === 'bob@irc')
      expect(msg).toMatchObject({
        room: 'general',
        from: 'bob@irc',
        via: 'irc-bridge',
        text: 'hi **there**',
      })

      bob.client.action('#general', 'waves')
      const action = await alice.next(
        'message',
        (f) => f.from === 'bob@irc' && f.text !== null && f.text.startsWith('/me'),
      )
      expect(action.text).toBe('/me waves')

      // Files cannot cross to IRC: they become links to the hub's attachment URL.
      const file = await alice.upload('general', Buffer.from('plain notes'), { name: 'notes.txt' })
      await alice.say('general', 'see the file', { attachments: [file.id] })
      const [link] = await bob.waitFor((h) => h.text.includes('notes.txt'))
      expect(link?.text).toBe(`<alice> 📎 notes.txt: ${hub.url}/api/v1/attachments/${file.id}`)

      // A remote line starting with "/" is text, not a hub command.
      bob.say('#general', '/etc/hosts is the file')
      expect(
        (await alice.next('message', (f) => f.from === 'bob@irc' && f.seq > action.seq)).text,
      ).toBe('/etc/hosts is the file')

      // Nick changes are shown, and the new nick is the sender from then on.
      bob.client.changeNick('bobby')
      expect((await alice.next('message', (f) => f.from === 'bobby@irc')).text).toBe(
        '/me is now known as bobby (was bob)',
      )
      bob.say('#general', 'new name')
      expect((await alice.next('message', (f) => f.from === 'bobby@irc')).text).toBe('new name')
    })

    test("edits: s/// from IRC edits only the sender's own message; hub edits reach IRC as a short correction", async () => {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#general', 'relay')
      const carol = await IrcUser.connect(daemon, 'carol', ['#general'])
      try {
        bob.say('#general', 'the quick brwn fox')
        const original = await alice.next('message', (f) => f.from === 'bob@irc')
        // carol cannot edit bob's line: her s/// is an ordinary message.
        carol.say('#general', 's/brwn/slow/')
        expect((await alice.next('message', (f) => f.from === 'carol@irc')).text).toBe(
          's/brwn/slow/',
        )
        bob.say('#general', 's/brwn/brown/')
        const edited = await alice.next('edited')
        expect(edited).toMatchObject({ seq: original.seq, text: 'the quick brown fox' })

        const sent = await alice.say('general', 'meet at teh station at noon')
        await bob.waitFor((h) => h.text.includes('teh station'))
        await alice.edit('general', sent.seq, 'meet at the station at noon')
        const [fix] = await bob.waitFor((h) => h.text.includes('correction'))
        expect(fix?.text).toBe('<alice> correction: "teh" → "the"')
      } finally {
        await carol.quit()
      }
    })

    test('a hub reaction reaches IRC as an action line of the one who reacted; taking it back sends nothing', async () => {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      const relay = await bob.waitForNick('#general', 'relay')
      bob.say('#general', 'lunch at noon? the usual place, unless it rains again today')
      const msg = await alice.next('message', (f) => f.from === 'bob@irc')
      await alice.react('general', msg.seq, '👍')
      const [line] = await bob.waitFor((h) => h.text.includes('reacted'))
      expect(line).toMatchObject({
        nick: relay,
        type: 'action',
        text: 'alice reacted 👍 to bob@irc: "lunch at noon? the usual place, unless it rains again today"',
      })
      await alice.react('general', msg.seq, '👍', { remove: true })
      await alice.say('general', 'sentinel after the reaction')
      await bob.waitFor((h) => h.text.includes('sentinel after the reaction'))
      expect(bob.heard.filter((h) => h.text.includes('reacted'))).toHaveLength(1)
    })

    test('200 rapid messages keep their order both ways', async () => {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#general', 'relay')

      const n = 200
      await Promise.all(Array.from({ length: n }, (_, i) => alice.say('general', `h2i ${i}`)))
      const lines = await bob.waitFor((h) => h.text.startsWith('<alice> h2i '), n)
      expect(lines.map((l) => l.text)).toEqual(
        Array.from({ length: n }, (_, i) => `<alice> h2i ${i}`),
      )

      const got: string[] = []
      alice.on('message', (f: { from: string; text: string | null }) => {
        if (f.from === 'bob@irc' && f.text?.startsWith('i2h ')) got.push(f.text)
      })
      for (let i = 0; i < n; i++) bob.say('#general', `i2h ${i}`)
      await waitUntil(() => got.length >= n, 20_000, `${n} messages in the hub`)
      expect(got).toEqual(Array.from({ length: n }, (_, i) => `i2h ${i}`))
      const history = await alice.history('general', { limit: n })
      expect(history.messages.filter((m) => m.from === 'bob@irc').map((m) => m.text)).toEqual(
        got.slice(-history.messages.filter((m) => m.from === 'bob@irc').length),
      )
    })
  })

  test('two links on one room: each side sees a message once, nothing comes back', async () => {
    const hub = await startIrcHub(daemon, {
      links: [
        { room: 'lobby', target: 'irc:local/#one' },
        { room: 'lobby', target: 'irc:local/#two' },
      ],
    })
    const dave = await IrcUser.connect(daemon, 'dave', ['#one'])
    const erin = await IrcUser.connect(daemon, 'erin', ['#two'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('lobby')
      await alice.join('lobby')
      await bridgeOnline(alice, 'lobby')
      // Both relays use the configured nick: the second gets 433 and picks another.
      const r1 = await dave.waitForNick('#one', 'relay')
      const r2 = await erin.waitForNick('#two', 'relay')
      expect(r1).not.toBe(r2)
      await waitUntil(
        async () =>
          (await alice.members('lobby')).members.filter((m) => m.user === 'irc-bridge').length ===
          1,
      )

      dave.say('#one', 'ping from one')
      await erin.waitFor((h) => h.text === '<dave@irc> ping from one')
      alice.say('lobby', 'hello both')
      await dave.waitFor((h) => h.text === '<alice> hello both')
      await erin.waitFor((h) => h.text === '<alice> hello both')
      erin.say('#two', 'pong from two')
      await dave.waitFor((h) => h.text === '<erin@irc> pong from two')
      await new Promise((r) => setTimeout(r, 700)) // time for any echo to show up

      expect(dave.heard.map((h) => h.text)).toEqual([
        '<alice> hello both',
        '<erin@irc> pong from two',
      ])
      expect(erin.heard.map((h) => h.text)).toEqual([
        '<dave@irc> ping from one',
        '<alice> hello both',
      ])
      const history = (await alice.history('lobby')).messages.map((m) => `${m.from}: ${m.text}`)
      expect(history).toEqual([
        'dave@irc: ping from one',
        'alice: hello both',
        'erin@irc: pong from two',
      ])
    } finally {
      await dave.quit()
      await erin.quit()
      await hub.close()
    }
  })
})
