// The plugin host with real plugins loaded from files (test/fixtures/plugins): a message hook that
// refuses, a chat command, scoped routes, config validation, dependency order and failing closed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import type { ConfigInput } from '#core/config'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/plugins/${name}.ts`, import.meta.url))

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})
const start = async (plugins: ConfigInput) => (hub = await startHub({ plugins }, { builtins: {} }))
/** Boot that is expected to fail, in a temp dir removed afterwards. */
const boot = async (plugins: ConfigInput) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-boot-'))
  try {
    return await refusal(startHub({ plugins }, { builtins: {}, dataDir }))
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

describe('working plugins', () => {
  test('banned-words refuses a message with its own code and the sender sees why; others pass', async () => {
    const h = await start({
      'banned-words': { module: fixture('banned-words'), words: ['xyzzy'] },
      dice: { module: fixture('dice') },
    })
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.create('room')
    await bob.join('room')
    const e = await refusal(alice.say('room', 'say XYZZY to teleport'))
    expect(e.code).toBe('BANNED_WORDS_REFUSED')
    expect((e as unknown as Error).message).toContain('xyzzy')
    const ok = await alice.say('room', 'plugh')
    expect(await bob.next('message')).toMatchObject({ seq: ok.seq, text: 'plugh' })
    // The refused message was never stored or delivered, and left no gap.
    expect(ok.seq).toBe(1)
    expect((await bob.history('room')).messages.map((m) => m.text)).toEqual(['plugh'])
    const stats = await (await fetch(`${h.url}/plugins/banned-words/stats`)).json()
    expect(stats).toEqual({ refused: 1 })
    await sendGarbage(alice)
  })

  test('dice adds /roll NdM, answered to the caller as a notice (also as /dice roll)', async () => {
    const h = await start({ dice: { module: fixture('dice') } })
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.create('room')
    await alice.join('room')
    await bob.join('room')
    const ack = await alice.say('room', '/roll 3d6')
    const notice = await alice.next('notice')
    expect(notice).toMatchObject({ room: 'room', ref: expect.any(String) })
    const m = /^alice rolled 3d6: (\d) \+ (\d) \+ (\d) = (\d+)$/.exec(notice.text)
    expect(m, notice.text).not.toBeNull()
    const dice = [m?.[1], m?.[2], m?.[3]].map(Number)
    expect(dice.every((d) => d >= 1 && d <= 6)).toBe(true)
    expect(Number(m?.[4])).toBe(dice.reduce((a, b) => a + b, 0))
    expect(ack.seq).toBe(0) // a command is not a message
    await alice.say('room', '/dice roll 1d20')
    expect((await alice.next('notice')).text).toMatch(/^alice rolled 1d20: \d+ = \d+$/)
    expect((await refusal(alice.say('room', '/roll lots'))).code).toBe('DICE_SPEC_INVALID')
    expect((await refusal(alice.say('room', '/nosuch thing'))).code).toBe('CHATHUB_COMMAND_UNKNOWN')
    // `//roll` is a message that starts with a slash, not a command.
    const literal = await alice.say('room', '//roll 1d6')
    expect(await bob.next('message', (x) => x.seq === literal.seq)).toMatchObject({
      text: '/roll 1d6',
    })
    // Nobody else saw the notices.
    await bob.rooms()
    expect(bob.drain().filter((f) => f.type === 'notice')).toEqual([])
    expect(await (await fetch(`${h.url}/plugins/dice/stats`)).json()).toEqual({ rolls: 2 })
    expect((await fetch(`${h.url}/stats`)).status).toBe(404)
    await sendGarbage(alice)
  })

  test('plugins are set up in dependency order, whatever the config order', async () => {
    const h = await start({
      dependent: { module: fixture('dependent') },
      dice: { module: fixture('dice') },
    })
    expect(h.hub.plugins.plugins.map((p) => p.name)).toEqual(['dice', 'dependent'])
  })
})

describe('plugins that fail', () => {
  test('bad plugin config stops boot with CHATHUB_PLUGIN_FAILED naming the plugin', async () => {
    const e = await boot({ 'banned-words': { module: fixture('banned-words'), words: 'xyzzy' } })
    expect(e.code).toBe('CHATHUB_PLUGIN_FAILED')
    expect((e as unknown as Error).message).toContain('banned-words')
    const typo = await boot({ dice: { module: fixture('dice'), maxdice: 3 } })
    expect(typo.code).toBe('CHATHUB_PLUGIN_FAILED')
    expect((typo as unknown as Error).message).toContain('dice')
  })

  test('a missing dependency stops boot with CHATHUB_PLUGIN_DEPENDENCY_MISSING', async () => {
    const e = await boot({ dependent: { module: fixture('dependent') } })
    expect(e.code).toBe('CHATHUB_PLUGIN_DEPENDENCY_MISSING')
    expect((e as unknown as Error).message).toContain('dice')
  })

  test('an unknown plugin or an unloadable module stops boot', async () => {
    expect((await boot({ nonesuch: {} })).code).toBe('CHATHUB_PLUGIN_NOT_FOUND')
    expect((await boot({ dice: { module: fixture('no-such-file') } })).code).toBe(
      'CHATHUB_PLUGIN_FAILED',
    )
    // The module must define the plugin it is enabled as.
    expect((await boot({ 'not-dice': { module: fixture('dice') } })).code).toBe(
      'CHATHUB_PLUGIN_FAILED',
    )
  })

  test('a hook or command that throws a plain Error: the user gets CHATHUB_INTERNAL, the hub keeps running', async () => {
    const h = await start({ crashy: { module: fixture('crashy') } })
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.create('room')
    await alice.create('cursed')
    await bob.join('room')
    const boom = await refusal(alice.say('room', 'boom'))
    expect(boom.code).toBe('CHATHUB_INTERNAL')
    expect((boom as unknown as Error).message).not.toContain('internal detail')
    expect((await refusal(bob.join('cursed'))).code).toBe('CHATHUB_INTERNAL')
    expect((await refusal(alice.say('room', '/explode'))).code).toBe('CHATHUB_INTERNAL')
    // Fails closed: nothing was stored; the hub goes on.
    const ok = await alice.say('room', 'fine')
    expect(ok.seq).toBe(1)
    expect(await bob.next('message')).toMatchObject({ text: 'fine' })
    expect((await bob.members('room')).members.map((m) => m.user)).toEqual(['alice', 'bob'])
    const logged = h.logs.filter((l) => l.plugin === 'crashy' && l.level === 50)
    expect(logged.length).toBeGreaterThanOrEqual(3)
    await sendGarbage(bob)
  })
})
