// `showJoins` against a real ngircd: on, joins/parts/quits/kicks of IRC users appear in the hub room
// as `/me` lines of that user (never the relay's own); off (the default), none of them do.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import type { TestHub } from '#test/helpers/start-hub'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub } from './support.ts'

describe.skipIf(!ircAvailable())('irc showJoins', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  /**
   * A hub linked to `channel`, bob (chanop: first in) there, then carol joins, parts, joins, is
   * kicked by bob, joins and quits; then bob says `marker`. Returns the room's messages from IRC.
   */
  const comings = async (channel: string, showJoins: boolean) => {
    // bob joins before the relay, so he is the channel operator (he kicks carol below).
    const bob = await IrcUser.connect(daemon, 'bob', [channel])
    const hub: TestHub = await startIrcHub(daemon, {
      links: [{ room: 'general', target: `irc:local/${channel}` }],
      server: showJoins ? { showJoins: true } : {},
    })
    try {
      const alice: ChatClient = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')
      await bridgeOnline(alice, 'general')
      await bob.waitForNick(channel, 'relay')

      const carol = await IrcUser.connect(daemon, 'carol', [channel])
      carol.client.raw('PART', channel, 'lunch')
      await carol.join(channel)
      bob.client.raw('KICK', channel, 'carol', 'too loud')
      await new Promise((r) => setTimeout(r, 100))
      await carol.join(channel)
      await carol.quit()
      bob.say(channel, 'marker')
      await alice.next('message', (f) => f.from === 'bob@irc' && f.text === 'marker')
      const history = await alice.history('general', { limit: 50 })
      return history.messages
        .filter((m) => m.from.endsWith('@irc'))
        .map((m) => `${m.from} ${m.text ?? ''}`)
    } finally {
      await bob.quit()
      await hub.close()
    }
  }

  test('on: joins, parts, kicks and quits of IRC users are shown as /me lines', async () => {
    expect(await comings('#shown', true)).toEqual([
      'carol@irc /me joined #shown',
      'carol@irc /me left #shown (lunch)',
      'carol@irc /me joined #shown',
      'carol@irc /me was kicked by bob (too loud)',
      'carol@irc /me joined #shown',
      expect.stringMatching(/^carol@irc \/me quit \(.*bye.*\)$/),
      'bob@irc marker',
    ])
  })

  test('off (the default): none of them reach the room', async () => {
    expect(await comings('#quiet', false)).toEqual(['bob@irc marker'])
  })
})
