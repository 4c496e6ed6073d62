// Bots in direct conversations: every message there is addressed to the bot, so `respond` fires
// without an @mention and `reply` answers in the same conversation; `hear`, commands and /help work
// there too. In the offline harness (`h.dm`, `chathub bot test --dm`) and on a real hub, where the
// bot's account (scoped to its rooms) reaches its own direct rooms and nobody else's.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'
import { BotHarness } from '#plugins/bots/harness'
import { readStatus } from '#plugins/bots/state-files'
import { json, runCli, tempDir } from '#test/helpers/run-cli'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const HELPER = `export default (bot) => {
  bot.respond(/^ping$/i, (ctx) => ctx.reply('pong' + (ctx.message.direct ? ' (direct)' : '')))
  bot.respond(/^where$/, (ctx) => ctx.reply('in ' + ctx.room))
  bot.hear(/^!echo (.+)/, (ctx) => ctx.reply(ctx.match[1]))
  bot.respond(/^tell lobby (.+)/, (ctx) => ctx.send('lobby', ctx.user + ' says ' + ctx.match[1]))
  bot.command('whoami', { help: 'who you are' }, (ctx) => 'you are ' + ctx.user + (ctx.message.direct ? ' (direct)' : ''))
  bot.command('secret', { help: 'for admins' }, () => 'the secret')
}`

describe('the harness', () => {
  test('respond fires without the @mention in a direct conversation, and reply answers there', async () => {
    const h = await BotHarness.fromSource(HELPER, { name: 'helper', rooms: ['lobby'] })
    try {
      const [pong] = await h.dm('ping', { as: 'bob' })
      expect(pong).toMatchObject({ text: 'pong (direct)', from: 'helper', direct: 'bob', room: 'dm-1-2', replyTo: 1, bot: true })
      // A leading @mention there is fine too; in the room it is still needed.
      expect((await h.dm('@helper ping', { as: 'bob' })).map((l) => l.text)).toEqual(['pong (direct)'])
      expect(await h.say('ping', { as: 'bob' })).toEqual([])
      expect((await h.say('@helper ping', { as: 'bob' })).map((l) => l.text)).toEqual(['pong'])
      // Each user has a conversation of their own.
      expect((await h.dm('where', { as: 'carol' })).map((l) => [l.text, l.direct])).toEqual([['in dm-1-3', 'carol']])
      expect((await h.dm('where', { as: 'bob' })).map((l) => l.text)).toEqual(['in dm-1-2'])
      // hear works there; the bot may still post in its rooms from a conversation.
      expect((await h.dm('!echo hi', { as: 'bob' })).map((l) => l.text)).toEqual(['hi'])
      expect((await h.dm('tell lobby hello', { as: 'bob' })).map((l) => [l.room, l.text])).toEqual([['lobby', 'bob says hello']])
      // Commands and /help in the conversation answer the caller only.
      expect(await h.dm('/whoami', { as: 'bob' })).toEqual([
        { room: 'dm-1-2', from: 'helper', text: 'you are bob (direct)', seq: 0, bot: true, private: true, direct: 'bob' },
      ])
      expect((await h.dm('/help', { as: 'bob' }))[0]?.text).toContain('/whoami — who you are')
      expect(h.format()).toContain('[dm with bob] bob: ping\n[dm with bob] helper: pong (direct)')
      expect(h.format()).toContain('#lobby helper: bob says hello')
      expect(h.faults).toEqual([])
    } finally {
      h.close()
    }
  })

  test('command access controls apply in a conversation (no room roles there)', async () => {
    const h = await BotHarness.fromSource(HELPER, {
      name: 'helper',
      commands: { secret: { roles: ['moderator', 'admin'] }, whoami: { rooms: ['lobby'] } },
      roles: { bob: 'moderator' },
      admins: ['root'],
    })
    try {
      expect((await h.dm('/secret', { as: 'root' }))[0]?.text).toBe('the secret')
      expect((await h.dm('/whoami', { as: 'root' }))[0]?.text).toBe('(you may not run /whoami here)')
    } finally {
      h.close()
    }
  })

  test('`chathub bot test --dm` runs the lines as a direct conversation', { timeout: 60_000 }, async () => {
    const dir = tempDir('chathub-botdm-')
    const file = join(dir, 'helper.ts')
    writeFileSync(file, HELPER)
    const [text, asJson] = await Promise.all([
      runCli(['bot', 'test', file, '--dm', '--say', 'ping', '--say', '/whoami', '--as', 'bob']),
      runCli(['bot', 'test', file, '--dm', '--say', 'where', '--json']),
    ])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('[dm with bob] bob: ping\n[dm with bob] helper: pong (direct)')
    expect(text.stdout).toContain('[dm with bob] helper (only to you): you are bob (direct)')
    expect(asJson.code, asJson.stderr).toBe(0)
    expect(json<{ transcript: unknown[] }>(asJson).transcript).toEqual([
      { room: 'dm-1-2', from: 'alice', text: 'where', seq: 1, bot: false, direct: 'alice' },
      { room: 'dm-1-2', from: 'helper', text: 'in dm-1-2', seq: 2, bot: true, replyTo: 1, direct: 'alice' },
    ])
  })
})

describe('on a real hub', () => {
  let hub: BotsHub
  beforeAll(async () => {
    hub = await startBotsHub({ bots: { helper: { source: HELPER, commands: { secret: { roles: ['admin'] } } } } })
    await hub.ready('helper')
  }, 60_000)
  afterAll(() => hub?.close())

  test('a direct message reaches the bot; respond fires without @helper and reply stays in the conversation', async () => {
    const alice = await hub.connect('alice')
    const { room } = await alice.openDirect('helper')
    const sent = await alice.say(room, 'ping')
    expect(await alice.next('message', (m) => m.room === room && m.from === 'helper')).toMatchObject({
      text: 'pong (direct)',
      replyTo: sent.seq,
      bot: true,
    })
    await alice.say(room, '!echo over here')
    expect(await alice.next('message', (m) => m.room === room && m.from === 'helper')).toMatchObject({ text: 'over here' })
    // From the conversation into the bot's room.
    const lobby = await hub.connect('bob')
    await lobby.join('lobby')
    await alice.say(room, 'tell lobby hi all')
    expect(await lobby.next('message', (m) => m.room === 'lobby' && m.from === 'helper')).toMatchObject({ text: 'alice says hi all' })
    // Nobody else saw the conversation.
    await lobby.rooms()
    expect(lobby.drain().filter((f) => 'room' in f && f.room === room)).toEqual([])
    expect((await lobby.rooms()).rooms.map((r) => r.name)).toEqual(['lobby'])
  })

  test('commands and /help work in a conversation, even before its first message', async () => {
    const carol = await hub.connect('carol')
    const { room } = await carol.openDirect('helper')
    await carol.say(room, '/whoami')
    expect((await carol.next('notice', (n) => n.room === room)).text).toBe('you are carol (direct)')
    await carol.say(room, '/help')
    const help = (await carol.next('notice', (n) => n.room === room)).text
    expect(help).toContain('/whoami — who you are [helper]')
    expect(help).not.toContain('/secret') // admins only
    // A conversation between two people is no bot's: its commands are not there.
    const other = await carol.openDirect('alice')
    await expect(carol.say(other.room, '/whoami')).rejects.toMatchObject({ code: 'BOTS_COMMAND_NOT_HERE' })
    await carol.say(other.room, '/help')
    const hubHelp = (await carol.next('notice', (n) => n.room === other.room)).text
    expect(hubHelp).toContain('/bots help')
    expect(hubHelp).not.toContain('/whoami')
    await carol.say(other.room, '/bots help')
    expect((await carol.next('notice', (n) => n.room === other.room)).text).toBe('No bot commands you may run in this room.')
  })

  test('a message sent while the bot host was down is answered when it is back', { timeout: 60_000 }, async () => {
    const dave = await hub.connect('dave')
    const { room } = await dave.openDirect('helper')
    await dave.say(room, 'ping')
    await dave.next('message', (m) => m.room === room && m.from === 'helper')
    const pid = readStatus(hub.dataDir).hostPid
    if (!pid) throw new Error('no bot host pid')
    await new Promise((r) => setTimeout(r, 300)) // the cursor of the conversation is saved
    process.kill(pid, 'SIGKILL')
    await waitFor(() => hub.status('helper')?.state === 'starting', 5000, 'bot host down')
    const missed = await dave.say(room, 'where')
    const answer = await dave.next('message', (m: EventOf<'message'>) => m.room === room && m.from === 'helper', 30_000)
    expect(answer).toMatchObject({ text: `in ${room}`, replyTo: missed.seq })
  })

  test('an external bot answers direct messages through the SDK', async () => {
    const token = hub.token('clock')
    const bot = await ChatClient.connect(hub.url, token)
    try {
      bot.on('message', (m: EventOf<'message'>) => {
        // A reply still in flight when the bot closes is refused (CHATHUB_CONNECTION_CLOSED): fine here.
        if (m.from !== bot.user && !m.bot && m.text === 'time?') bot.say(m.room, '12:00', { replyTo: m.seq }).catch(() => undefined)
      })
      const erin = await hub.connect('erin')
      await erin.sayDirect('clock', 'time?')
      expect(await erin.next('message', (m) => m.from === 'clock')).toMatchObject({ text: '12:00' })
    } finally {
      await bot.close()
    }
  })
})
