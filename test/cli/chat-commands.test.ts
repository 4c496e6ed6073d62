// The chat's own commands (`/me`, `/reply`, `/edit`, `/delete`, `/react`, `/topic`, `/who`): how a
// line is read, and what `chathub chat` does with them against a real hub (lines piped in).
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseChatLine } from '#cli/chat-commands'
import type { ChatClient } from '#core/client/sdk'
import { credentialsHome, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

describe('parseChatLine', () => {
  test('commands, their SEQ (12 or #12), and what is sent as it is', () => {
    expect(parseChatLine('hello')).toEqual({ kind: 'send', text: 'hello' })
    expect(parseChatLine('//etc/hosts')).toEqual({ kind: 'send', text: '//etc/hosts' })
    expect(parseChatLine('/help')).toEqual({ kind: 'send', text: '/help' })
    expect(parseChatLine('/stego capacity 10x10')).toEqual({ kind: 'send', text: '/stego capacity 10x10' })
    expect(parseChatLine('/me waves')).toEqual({ kind: 'send', text: '//me waves' })
    expect(parseChatLine('/reply #3 sure')).toEqual({ kind: 'send', text: 'sure', replyTo: 3 })
    expect(parseChatLine('/reply 3 /etc is fine')).toEqual({ kind: 'send', text: '//etc is fine', replyTo: 3 })
    expect(parseChatLine('/edit fixed text')).toEqual({ kind: 'edit', text: 'fixed text' })
    expect(parseChatLine('/edit 4 fixed')).toEqual({ kind: 'edit', seq: 4, text: 'fixed' })
    expect(parseChatLine('/delete')).toEqual({ kind: 'delete' })
    expect(parseChatLine('/delete #9')).toEqual({ kind: 'delete', seq: 9 })
    expect(parseChatLine('/react 👍')).toEqual({ kind: 'react', emoji: '👍', remove: false })
    expect(parseChatLine('/unreact 2 👍')).toEqual({ kind: 'react', seq: 2, emoji: '👍', remove: true })
    expect(parseChatLine('/topic ship it')).toEqual({ kind: 'topic', topic: 'ship it' })
    expect(parseChatLine('/topic')).toEqual({ kind: 'topic', topic: '' })
    expect(parseChatLine('/WHO')).toEqual({ kind: 'who' })
    expect(parseChatLine('/exit')).toEqual({ kind: 'quit' })
    expect(parseChatLine('/switch ops')).toEqual({ kind: 'switch', target: 'ops' })
    expect(parseChatLine('/switch @bob')).toEqual({ kind: 'switch', target: '@bob' })
    expect(parseChatLine('/switch')).toEqual({ kind: 'switch' })
    expect(parseChatLine('/rooms')).toEqual({ kind: 'rooms' })
  })

  test('said wrong: a usage line, nothing sent', () => {
    for (const line of ['/me', '/reply', '/reply 3', '/reply x hi', '/edit', '/edit 4', '/delete 4 5', '/react', '/react 2 👍 👍', '/switch a b']) {
      expect(parseChatLine(line).kind, line).toBe('usage')
    }
  })
})

describe('chathub chat', () => {
  let hub: TestHub
  let bob: ChatClient
  beforeAll(async () => {
    hub = await startHub()
    bob = await hub.connect('bob')
    await bob.create('general')
    await bob.join('general')
  })
  afterAll(() => hub.close())

  test('/reply, /edit, /delete, /react, /topic, /who and /me act on the room', { timeout: 120_000 }, async () => {
    const { seq: question } = await bob.say('general', 'who takes friday?')
    const input = [
      `/reply ${question} me`,
      '/edit me, after lunch',
      'a typo here',
      '/delete',
      `/react ${question} 🙋`,
      '/me waves',
      '/who',
      '/topic friday rota',
      '/edit 1 not mine',
      '/react 1 nope',
      '/reply 1',
      '',
    ].join('\n')
    const carol = credentialsHome(hub.url, 'carol', hub.token('carol'))
    const run = await runCli(['chat', '--room', 'general'], { env: carol, input })
    expect(run.code, run.stderr).toBe(0)
    const out = run.stdout
    expect(out).toContain(`* #${question + 1} edited`)
    expect(out).toContain(`* #${question + 2} deleted`)
    expect(out).toContain(`* reacted 🙋 to #${question}`)
    expect(out).toMatch(/\* 2 members, 2 online \(●\): bob \(owner\) ●, carol ●/)
    // carol is no moderator: the topic is refused; another's message cannot be edited.
    expect(out).toContain('CHATHUB_FORBIDDEN')
    expect(out).toContain('! usage: /reply SEQ TEXT')
    expect(out).toContain('CHATHUB_REACTION_INVALID')

    const page = (await bob.history('general')).messages
    const reply = page.find((m) => m.seq === question + 1)
    expect(reply).toMatchObject({ from: 'carol', text: 'me, after lunch', replyTo: question, thread: question })
    expect(page.find((m) => m.seq === question + 2)?.deletedAt).toBeDefined()
    expect(page.find((m) => m.seq === question)?.reactions).toEqual([{ emoji: '🙋', count: 1, users: ['carol'] }])
    const me = page.find((m) => m.text === '/me waves')
    expect(me?.from).toBe('carol')
    expect(page.find((m) => m.seq === 1)?.text).toBe('who takes friday?')
  })
})
