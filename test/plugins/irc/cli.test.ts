// Links at run time through the real CLI: `bridge link` starts a relay in the running hub, `bridge list`
// shows its state, `room info` names the weakest link, `bridge unlink` stops it.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ircAvailable, type Ngircd, startNgircd } from '#test/helpers/ngircd'
import { json, runCli } from '#test/helpers/run-cli'
import { IrcUser } from './irc-user.ts'
import { bridgeOnline, startIrcHub, waitUntil } from './support.ts'

describe.skipIf(!ircAvailable())('bridge CLI against a running hub', () => {
  let daemon: Ngircd
  beforeAll(async () => {
    daemon = await startNgircd()
  })
  afterAll(() => daemon?.close())

  // Eight CLI processes and a live IRC link: some 15 s alone, more on a busy machine.
  test('link, list, room info, unlink', { timeout: 90_000 }, async () => {
    const hub = await startIrcHub(daemon, { links: [] })
    const bob = await IrcUser.connect(daemon, 'bob', ['#dyn'])
    const configFile = join(hub.dataDir, 'chathub.json')
    const irc = { servers: { local: { host: daemon.host, port: daemon.port, nick: 'relay' } } }
    writeFileSync(configFile, JSON.stringify({ dataDir: hub.dataDir, plugins: { irc } }))
    const cli = (...args: string[]) =>
      runCli([...args, '--config', configFile, '--data-dir', hub.dataDir, '--json'])
    try {
      const alice = await hub.connect('alice')
      await alice.create('general')
      await alice.join('general')

      const bad = await cli('bridge', 'link', 'general', 'irc:elsewhere/#dyn')
      expect(bad.code).not.toBe(0)
      expect(json<{ error: { code: string } }>(bad).error.code).toBe('IRC_SERVER_UNKNOWN')
      expect(
        json<{ error: { code: string } }>(
          await cli('bridge', 'link', 'general', 'xmpp:room@example.org'),
        ).error.code,
      ).toBe('CHATHUB_BRIDGE_NETWORK_UNKNOWN')

      expect((await cli('bridge', 'link', 'general', 'irc:local/#dyn')).code).toBe(0)
      await bridgeOnline(alice, 'general')
      await bob.waitForNick('#dyn', 'relay')
      await alice.say('general', 'linked at run time')
      await bob.waitFor((h) => h.text === '<alice> linked at run time')

      const list = json<
        { room: string; target: string; source: string; state: string; queueLength: number }[]
      >(await cli('bridge', 'list'))
      expect(list).toEqual([
        expect.objectContaining({
          room: 'general',
          target: 'irc:local/#dyn',
          source: 'cli',
          state: 'connected',
          queueLength: 0,
        }),
      ])
      expect(
        json<{ error: { code: string } }>(await cli('bridge', 'link', 'general', 'irc:local/#dyn'))
          .error.code,
      ).toBe('CHATHUB_BRIDGE_LINK_EXISTS')

      const info = json<{ weakestLink: string; bridges: unknown[] }>(
        await cli('room', 'info', 'general'),
      )
      expect(info.bridges).toHaveLength(1)
      expect(info.weakestLink).toMatch(/^bridged to IRC: edits arrive as new lines;.*not private$/)

      expect((await cli('bridge', 'unlink', 'general', 'irc:local/#dyn')).code).toBe(0)
      await waitUntil(
        async () =>
          !(await alice.members('general')).members.some(
            (m) => m.user === 'irc-bridge' && m.online,
          ),
        10_000,
        'relay stopped',
      )
      await alice.say('general', 'after unlink')
      await new Promise((r) => setTimeout(r, 300))
      expect(bob.heard.map((h) => h.text)).not.toContain('<alice> after unlink')
      expect(json<unknown[]>(await cli('bridge', 'list'))).toEqual([])
      expect(
        json<{ error: { code: string } }>(
          await cli('bridge', 'unlink', 'general', 'irc:local/#dyn'),
        ).error.code,
      ).toBe('CHATHUB_BRIDGE_LINK_NOT_FOUND')
      expect(
        json<{ weakestLink: string | null }>(await cli('room', 'info', 'general')).weakestLink,
      ).toBeNull()
    } finally {
      await bob.quit()
      await hub.close()
    }
  })
})
