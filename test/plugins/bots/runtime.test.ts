// Bots on the real hub: commands over the wire (access controls, /help, TOTP step-up), room scope,
// reload on edit, admin disable/enable, and a store that survives a hub restart.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { findRoom, setRole } from '#core/rooms/queries'
import { findUser } from '#core/users/queries'
import { readAdmin, writeAdmin } from '#plugins/bots/state-files'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../../examples/bots/${name}.ts`, import.meta.url)), 'utf8')

const OPS = `export default (bot) => {
  bot.command('deploy', { help: 'ship it', sensitive: true }, () => 'shipped')
  bot.command('restart', { help: 'restart the thing' }, (ctx) => { ctx.reply('restarting for ' + ctx.user); return 'done' })
  bot.command('boom', () => { throw new Error('kaput') })
  bot.hear(/^where$/, (ctx) => { ctx.reply('here: ' + ctx.room); ctx.send('secret', 'leak') })
  bot.respond(/^version$/, (ctx) => ctx.reply('v1'))
}`

describe('bots on a running hub', () => {
  let hub: BotsHub
  let alice: ChatClient
  let mod: ChatClient

  beforeAll(async () => {
    hub = await startBotsHub({
      rooms: ['lobby', 'secret'],
      plugins: { totp: { policy: 'optional' } },
      bots: {
        ops: { source: OPS, commands: { restart: { roles: ['moderator'] } } },
        poll: { source: example('poll') },
      },
    })
    await Promise.all([hub.ready('ops'), hub.ready('poll')])
    alice = await hub.connect('alice')
    await alice.join('lobby')
    await alice.join('secret')
    mod = await hub.connect('mod')
    await mod.join('lobby')
    // `mod` moderates lobby (set in the database, as an owner's /role would)
    const room = findRoom(hub.hub.db, 'lobby')
    const user = findUser(hub.hub.db, 'mod')
    if (!room || !user) throw new Error('setup')
    setRole(hub.hub.db, room.id, user.id, 'moderator')
  }, 60_000)
  afterAll(() => hub?.close())

  test('a bot command runs over the wire: public reply, private answer, reaction as a reply', async () => {
    await alice.say('lobby', '/poll "Lunch?" pizza tacos')
    const opened = await alice.next('message', (f) => f.from === 'poll')
    expect(opened.text).toContain('alice asks: Lunch?')
    const ack = alice.say('lobby', '/vote 1')
    const notice = await alice.next('notice')
    expect(notice.text).toBe('You voted for pizza.')
    await ack
    expect((await alice.next('message', (f) => f.from === 'poll')).text).toBe('👍')
  })

  test('access controls refuse, /help lists only what the user may run', async () => {
    await expect(alice.say('lobby', '/restart')).rejects.toMatchObject({ code: 'BOTS_COMMAND_FORBIDDEN' })
    const p = alice.say('lobby', '/help')
    const help = (await alice.next('notice')).text
    await p
    expect(help).toContain('/poll')
    expect(help).toContain('/deploy')
    expect(help).not.toContain('/restart')
    mod.drain()
    await mod.say('lobby', '/restart')
    expect((await mod.next('notice')).text).toBe('done')
    expect((await mod.next('message', (f) => f.from === 'ops')).text).toBe('restarting for mod')
    const q = mod.say('lobby', '/help')
    expect((await mod.next('notice')).text).toContain('/restart — restart the thing [ops]')
    await q
  })

  test('a sensitive command asks the totp plugin for a step-up; a throwing command fails closed', async () => {
    // alice has no TOTP and the policy is optional: the step-up passes (and is audited).
    await alice.say('lobby', '/deploy')
    expect((await alice.next('notice')).text).toBe('shipped')
    await expect(alice.say('lobby', '/boom')).rejects.toMatchObject({ code: 'BOTS_COMMAND_FAILED' })
    await waitFor(() => hub.status('ops')?.lastError?.includes('kaput'), 5000, 'ops error')
    await hub.ready('ops')
    await expect(alice.say('secret', '/deploy')).rejects.toMatchObject({ code: 'BOTS_COMMAND_NOT_HERE' })
  })

  test('a bot never sees or writes rooms outside its scope', async () => {
    alice.drain()
    await alice.say('secret', 'where')
    await alice.say('lobby', 'where')
    expect((await alice.next('message', (f) => f.from === 'ops')).text).toBe('here: lobby')
    await new Promise((r) => setTimeout(r, 200))
    expect(alice.drain().filter((f) => f.type === 'message' && f.from === 'ops')).toEqual([])
    await alice.say('lobby', '@ops version')
    expect((await alice.next('message', (f) => f.from === 'ops')).text).toBe('v1')
  })

  test('editing a bot file reloads it without restarting the hub', async () => {
    hub.writeBot('ops.ts', OPS.replace("ctx.reply('v1')", "ctx.reply('v2')"))
    await waitFor(async () => {
      alice.drain()
      await alice.say('lobby', '@ops version')
      const m = await alice.next('message', (f) => f.from === 'ops', 2000).catch(() => undefined)
      return m?.text === 'v2'
    }, 10_000, 'reload')
  })

  test('an admin disables and enables a bot through the data directory', async () => {
    writeAdmin(hub.dataDir, { ...readAdmin(hub.dataDir), disabled: ['ops'] })
    await waitFor(() => hub.status('ops')?.state === 'disabled', 5000, 'disabled')
    await expect(alice.say('lobby', '/deploy')).rejects.toMatchObject({ code: 'BOTS_UNAVAILABLE' })
    writeAdmin(hub.dataDir, { disabled: [], enabledAt: { ops: Date.now() } })
    await hub.ready('ops')
    await alice.say('lobby', '/deploy')
    expect((await alice.next('notice')).text).toBe('shipped')
  })
})

test('the reminder bot keeps its reminders across a hub restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-bots-restart-'))
  const start = () => startBotsHub({ dataDir, bots: { remind: { source: example('reminder') } } })
  try {
    let hub = await start()
    await hub.ready('remind')
    let alice = await hub.connect('alice')
    await alice.join('lobby')
    await alice.say('lobby', '/remind 3s drink water')
    expect((await alice.next('notice')).text).toBe('OK, I will remind you in 3s.')
    await hub.close()
    hub = await start()
    try {
      await hub.ready('remind')
      alice = await hub.connect('alice')
      await alice.join('lobby')
      const m = await alice.next('message', (f) => f.from === 'remind', 10_000)
      expect(m.text).toBe('@alice reminder: drink water')
    } finally {
      await hub.close()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}, 40_000)
