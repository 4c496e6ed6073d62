// `chathub react` and `chathub history --thread` as whole processes against one running hub: counts
// and reactions in history, a thread page, --json, --dm, and the protocol's codes for bad input.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import type { MessageView } from '#core/protocol/messages'
import { credentialsHome, errorCode, json, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let alice: ChatClient
let bob: ChatClient
const homes = new Map<string, Record<string, string>>()
const as = (user: string, args: string[]) => {
  let env = homes.get(user)
  if (!env) homes.set(user, (env = credentialsHome(hub.url, user, hub.token(user))))
  return runCli(args, { env })
}

beforeAll(async () => {
  hub = await startHub()
  alice = await hub.connect('alice')
  bob = await hub.connect('bob')
  await alice.create('general')
  await alice.join('general')
  await bob.join('general')
})
afterAll(() => hub.close())

test('react, react --remove, and history shows the counts', { timeout: 120_000 }, async () => {
  const { seq } = await alice.say('general', 'ship it')
  const [added, json1, bad, missing] = await Promise.all([
    as('bob', ['react', '--room', 'general', String(seq), '👍']),
    as('alice', ['react', '--room', 'general', String(seq), '👍', '--json']),
    as('bob', ['react', '--room', 'general', String(seq), 'thumbs', '--json']),
    as('bob', ['react', '--room', 'general', '9999', '👍', '--json']),
  ])
  expect(added.code, added.stderr).toBe(0)
  expect(added.stdout).toBe(`reacted 👍 to #${seq} in general\n`)
  expect(json(json1)).toEqual({ room: 'general', seq, emoji: '👍', changed: true, removed: false })
  expect(bad.code).toBe(1)
  expect(errorCode(bad)).toBe('CHATHUB_REACTION_INVALID')
  expect(errorCode(missing)).toBe('CHATHUB_MESSAGE_NOT_FOUND')

  const again = await as('bob', ['react', '--room', 'general', String(seq), '👍'])
  expect(again.stdout).toBe(`you had reacted 👍 to #${seq} in general already\n`)
  const history = await as('bob', ['history', '--room', 'general'])
  expect(history.stdout).toContain(`#${seq} `)
  expect(history.stdout).toMatch(/ship it 👍 2\n/)

  const removed = await as('bob', ['react', '--room', 'general', String(seq), '👍', '--remove'])
  expect(removed.stdout).toBe(`took back 👍 from #${seq} in general\n`)
  const page = json<{ messages: MessageView[] }>(await as('bob', ['history', '--room', 'general', '--json']))
  expect(page.messages.find((m) => m.seq === seq)?.reactions).toEqual([{ emoji: '👍', count: 1, users: ['alice'] }])

  // Not a member, and no such direct conversation.
  const carol = await as('carol', ['react', '--room', 'general', String(seq), '👍', '--json'])
  expect(errorCode(carol)).toBe('CHATHUB_ROOM_NOT_MEMBER')
  const noDm = await as('carol', ['react', '--dm', 'alice', '1', '👍', '--json'])
  expect(errorCode(noDm)).toBe('CHATHUB_DIRECT_NOT_FOUND')
})

test('history --thread shows one thread; the root shows how many replies it has', { timeout: 120_000 }, async () => {
  const root = await alice.say('general', 'friday release?')
  const r1 = await bob.say('general', 'yes', { replyTo: root.seq })
  await alice.say('general', 'something else')
  const r2 = await alice.say('general', 'ok then', { replyTo: r1.seq })
  const [thread, asJson, room] = await Promise.all([
    as('bob', ['history', '--room', 'general', '--thread', String(root.seq)]),
    as('bob', ['history', '--room', 'general', '--thread', String(root.seq), '--json']),
    as('bob', ['history', '--room', 'general', '--keep-unread']),
  ])
  expect(thread.code, thread.stderr).toBe(0)
  const lines = thread.stdout.trim().split('\n')
  expect(lines.map((l) => l.split(' ')[0])).toEqual([`#${root.seq}`, `#${r1.seq}`, `#${r2.seq}`])
  expect(json<{ messages: MessageView[] }>(asJson).messages.map((m) => [m.seq, m.thread])).toEqual([
    [root.seq, undefined],
    [r1.seq, root.seq],
    [r2.seq, root.seq],
  ])
  expect(room.stdout).toContain(`friday release? [2 replies: --thread ${root.seq}]`)
  const bad = await as('bob', ['history', '--room', 'general', '--thread', '0', '--json'])
  expect(bad.code).not.toBe(0)
})
