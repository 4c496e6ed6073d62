// Bots follow the hub in the plugin's process (ctx.hub) and their host child talks to the plugin over
// IPC: no WebSocket and no token of their own (yet shown online in their rooms), messages sent while
// a bot was stopped caught up from its cursor, its replies checked like its account's client frames
// (membership, rate limit). The feed itself (scope, cursors, invites, direct rooms) is tested closer
// in hub-feed.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { liveSessionIds } from '#core/auth/session-store'
import type { EventOf } from '#core/protocol/messages'
import { findUser } from '#core/users/queries'
import { readAdmin, tailLog, writeAdmin } from '#plugins/bots/state-files'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'

const KEEPER = `export default (bot) => {
  bot.hear(/^ping (\\w+)$/, (ctx) => ctx.reply('pong ' + ctx.match[1]))
  bot.hear(/^stash (\\w+)$/, (ctx) => ctx.send('vault', ctx.match[1]))
}`

describe('a bot on a running hub', () => {
  let hub: BotsHub
  beforeAll(async () => {
    hub = await startBotsHub({ bots: { keeper: { source: KEEPER, rooms: ['lobby', 'vault'] } }, missing: ['vault'] })
    await hub.ready('keeper')
  }, 60_000)
  afterAll(() => hub?.close())

  test('works with no WebSocket and no token of its own', async () => {
    const alice = await hub.connect('alice')
    await alice.join('lobby')
    const asked = await alice.say('lobby', 'ping one')
    expect(await alice.next('message', (f) => f.from === 'keeper')).toMatchObject({ text: 'pong one', replyTo: asked.seq, bot: true })
    const keeper = findUser(hub.hub.db, 'keeper')
    if (!keeper) throw new Error('no bot account')
    expect([...hub.hub.connectionsOf(keeper.id)]).toEqual([])
    expect([...hub.hub.connections].filter((c) => c.user?.name === 'keeper')).toEqual([])
    expect(liveSessionIds(hub.hub.db, keeper.id)).toEqual([])
    // Following its room in-process, it is shown online there like a connected member.
    expect((await alice.members('lobby')).members).toContainEqual({ user: 'keeper', role: 'member', online: true })
  })

  test('catches up what was said while it was stopped, once, in order', async () => {
    const bob = await hub.connect('bob')
    await bob.join('lobby')
    const pongs: string[] = []
    bob.on('message', (f: EventOf<'message'>) => {
      if (f.from === 'keeper' && f.text) pongs.push(f.text)
    })
    await bob.say('lobby', 'ping before')
    await waitFor(() => pongs.includes('pong before'), 10_000, 'pong before')
    writeAdmin(hub.dataDir, { ...readAdmin(hub.dataDir), disabled: ['keeper'] })
    await waitFor(() => hub.status('keeper')?.state === 'disabled', 5000, 'disabled')
    expect((await bob.members('lobby')).members).toContainEqual({ user: 'keeper', role: 'member', online: false })
    await bob.say('lobby', 'ping two')
    await bob.say('lobby', 'ping three')
    writeAdmin(hub.dataDir, { disabled: [], enabledAt: { keeper: Date.now() } })
    await hub.ready('keeper')
    await bob.say('lobby', 'ping after')
    await waitFor(() => pongs.includes('pong after'), 10_000, 'pong after')
    expect(pongs).toEqual(['pong before', 'pong two', 'pong three', 'pong after'])
  })

  test("its posts take the hub's checks: refused with the code until it may enter, then it joins when invited", async () => {
    const carol = await hub.connect('carol')
    await carol.join('lobby')
    // "vault" is one of the bot's rooms, but private: the bot cannot enter it, so it cannot post there.
    await carol.create('vault', { private: true })
    await carol.join('vault')
    await carol.say('lobby', 'stash gold')
    await waitFor(
      () => tailLog(hub.dataDir, 'keeper', 20).some((l) => l.includes('send to vault refused (CHATHUB_ROOM_NOT_FOUND)')),
      10_000,
      'the refusal in the bot log',
    )
    expect((await carol.history('vault')).messages).toEqual([])
    expect(hub.status('keeper')).toMatchObject({ state: 'running', failures: 0 })
    // An invite lets it in.
    await carol.invite('vault', 'keeper')
    await carol.say('lobby', 'stash silver')
    expect(await carol.next('message', (f) => f.room === 'vault' && f.from === 'keeper')).toMatchObject({ text: 'silver' })
    await carol.say('vault', 'ping inside')
    expect(await carol.next('message', (f) => f.room === 'vault' && f.from === 'keeper')).toMatchObject({ text: 'pong inside' })
  })
})

test("a flood of triggers meets the bot account's own rate limit; the bot is not disabled and answers again", async () => {
  // The hub's rate for accounts (bots included): 8 messages, then 4 a second. The bot's own send
  // budget is larger, so the hub's limit is the one it meets.
  const hub = await startBotsHub({
    hub: { limits: { messagesPerSecond: 4, messageBurst: 8 } },
    config: { sendBurst: 100, sendsPerSecond: 100, maxFailures: 2 },
    bots: { echo: { source: `export default (bot) => { bot.hear(/^go (\\w+)$/, (ctx) => ctx.reply('ok ' + ctx.match[1])) }` } },
  })
  try {
    await hub.ready('echo')
    const senders = await Promise.all(['erin', 'frank', 'gina'].map((n) => hub.connect(n)))
    for (const s of senders) await s.join('lobby')
    const [watcher] = senders
    if (!watcher) throw new Error('no sender')
    const answers: string[] = []
    watcher.on('message', (f: EventOf<'message'>) => {
      if (f.from === 'echo' && f.text) answers.push(f.text)
    })
    // 15 triggers from three members (each within its own connection's rate).
    await Promise.all(senders.map(async (s, i) => {
      for (let n = 0; n < 5; n++) await s.say('lobby', `go ${i}x${n}`)
    }))
    await waitFor(
      () => tailLog(hub.dataDir, 'echo', 50).some((l) => /send to lobby refused \(CHATHUB_RATE_LIMITED\)/.test(l)),
      10_000,
      'a rate-limited send',
    )
    expect(answers.length).toBeLessThan(15)
    expect(hub.status('echo')).toMatchObject({ state: 'running', failures: 0, restarts: 0 })
    // Once the window has passed the bot is answered again.
    await new Promise((r) => setTimeout(r, 2500))
    await watcher.say('lobby', 'go again')
    await waitFor(() => answers.includes('ok again'), 10_000, 'ok again')
    expect(hub.status('echo')).toMatchObject({ state: 'running', failures: 0 })
  } finally {
    await hub.close()
  }
}, 60_000)
