// The in-process event stream and writes through ctx.hub: what plugins (bridges, bots) use instead of
// a WebSocket to their own hub. Events come in commit order with the room's seq; an account's writes
// get exactly the checks a client's frames get, and a rate limit of their own.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import type { HubApi, HubEvent } from '#core/plugin-api'
import { findUser, insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const observer = fileURLToPath(new URL('../fixtures/plugins/observer.ts', import.meta.url))

let h: TestHub
let events: HubEvent[]
let hub: HubApi
let alice: ChatClient
let bob: ChatClient

const account = (name: string, kind: 'bot' | 'bridge') =>
  findUser(h.hub.db, name) ?? insertUser(h.hub.db, { name, passwordHash: null, kind })

/** Wait until the stream has an event matching `pick` (sentinels: nothing else came before it). */
const until = async (pick: (e: HubEvent) => boolean): Promise<HubEvent> => {
  for (let i = 0; i < 200; i++) {
    const found = events.find(pick)
    if (found) return found
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('event never came')
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code)

beforeAll(async () => {
  h = await startHub(
    { plugins: { observer: { module: observer, throwing: true } } },
    { builtins: {} },
  )
  const provided = h.hub.plugins.runtimes().find((l) => l.plugin.name === 'observer')?.runtime.provides
  events = provided?.events as HubEvent[]
  hub = provided?.hub as HubApi
  alice = await h.connect('alice')
  bob = await h.connect('bob')
})
afterAll(() => h.close())

describe('the event stream', () => {
  test('every kind of committed change, in commit order, with the room seq', async () => {
    const from = events.length
    await alice.create('stream')
    await bob.join('stream')
    const said = await alice.say('stream', 'hello')
    await alice.edit('stream', said.seq, 'hello again')
    const second = await bob.say('stream', 'bye')
    await bob.delete('stream', second.seq)
    await alice.request('kick', { room: 'stream', user: 'bob', reason: 'test' })
    const sentinel = await alice.say('stream', 'sentinel')
    await until((e) => e.type === 'message' && e.seq === sentinel.seq && e.room === 'stream')
    const seen = events.slice(from).filter((e) => e.room === 'stream')
    expect(seen.map((e) => ('change' in e ? `${e.type}:${e.change}` : e.type))).toEqual([
      'room:created',
      'membership:joined',
      'message',
      'edited',
      'message',
      'deleted',
      'membership:kicked',
      'message',
    ])
    expect(seen[2]).toMatchObject({ type: 'message', seq: said.seq, roomSeq: said.seq, from: 'alice', text: 'hello' })
    expect(seen[3]).toMatchObject({ type: 'edited', seq: said.seq, text: 'hello again', rev: 1, roomSeq: said.seq })
    expect(seen[5]).toMatchObject({ type: 'deleted', seq: second.seq, by: 'bob', rev: 2, roomSeq: second.seq })
    expect(seen[6]).toMatchObject({ user: 'bob', by: 'alice', roomSeq: second.seq })
    // The listener that throws was logged, and everybody else still got everything.
    expect(h.logs.some((l) => l.msg === 'event listener failed')).toBe(true)
  })

  test('a duplicate send (same txn) is stored once and published once', async () => {
    await alice.create('dupes')
    const first = await alice.request('say', { room: 'dupes', text: 'once', txn: 'txn-1' })
    const again = await alice.request('say', { room: 'dupes', text: 'once', txn: 'txn-1' })
    expect(again).toMatchObject({ seq: first.seq, duplicate: true })
    const sentinel = await alice.say('dupes', 'sentinel')
    await until((e) => e.type === 'message' && e.seq === sentinel.seq && e.room === 'dupes')
    expect(events.filter((e) => e.room === 'dupes' && e.type === 'message')).toHaveLength(2)
  })
})

describe('writing as an account (ctx.hub.actAs)', () => {
  test('a bot says, edits and deletes with no socket of its own; clients see it as a bot', async () => {
    account('helper-bot', 'bot')
    await alice.create('botroom')
    await alice.join('botroom')
    const actor = hub.actAs('helper-bot')
    const at = await actor.join('botroom')
    expect(at).toMatchObject({ room: 'botroom', seq: 0, rev: 0 })
    const heard = alice.next('message', (f) => f.room === 'botroom')
    const ack = await actor.say({ room: 'botroom', text: 'beep', txn: 'b1' })
    expect(ack).toEqual({ room: 'botroom', seq: 1, duplicate: false })
    expect(await heard).toMatchObject({ from: 'helper-bot', bot: true, text: 'beep' })
    expect(await actor.say({ room: 'botroom', text: 'beep', txn: 'b1' })).toMatchObject({ seq: 1, duplicate: true })
    await actor.edit('botroom', 1, 'boop')
    expect(actor.message('botroom', 1)).toMatchObject({ text: 'boop', from: 'helper-bot' })
    await actor.delete('botroom', 1)
    expect(actor.message('botroom', 1)).toMatchObject({ text: null })
    const user = findUser(h.hub.db, 'helper-bot')
    expect([...h.hub.connectionsOf(user?.id ?? -1)]).toHaveLength(0)
  })

  test('the same checks as a client: membership, scopes, sizes, others’ messages, remote senders', async () => {
    account('checked-bot', 'bot')
    await alice.create('checks')
    await alice.create('elsewhere')
    const own = await alice.say('checks', 'alice’s')
    const actor = hub.actAs('checked-bot', { scopes: ['checks'] })
    expect(await codeOf(actor.say({ room: 'checks', text: 'x', txn: 't' }))).toBe('CHATHUB_ROOM_NOT_MEMBER')
    await actor.join('checks')
    expect(await codeOf(actor.join('elsewhere'))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await codeOf(actor.say({ room: 'elsewhere', text: 'x', txn: 't' }))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await codeOf(actor.say({ room: 'checks', text: 'x'.repeat(h.config.limits.maxMessageLength + 1), txn: 't' }))).toBe(
      'CHATHUB_MESSAGE_TOO_LONG',
    )
    expect(await codeOf(actor.say({ room: 'checks', text: 'x', txn: 't', as: 'eve@irc' }))).toBe('CHATHUB_FORBIDDEN')
    expect(await codeOf(actor.edit('checks', own.seq, 'mine now'))).toBe('CHATHUB_FORBIDDEN')
    expect(await codeOf(actor.delete('checks', own.seq))).toBe('CHATHUB_FORBIDDEN')
    expect(await codeOf(actor.delete('checks', 999))).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    expect(await codeOf(actor.say({ room: 'checks', text: '/nosuchcommand', txn: 't' }))).toBe('CHATHUB_COMMAND_UNKNOWN')
    expect(() => hub.actAs('nobody-here')).toThrow(expect.objectContaining({ code: 'CHATHUB_USER_NOT_FOUND' }))
    // Nothing of that was stored: alice's message is the room's only one.
    expect(actor.catchUp('checks', { since: 0 }).events.map((e) => e.seq)).toEqual([own.seq])
  })

  test('a delete and an edit of one message in the same turn: the edit is refused, not applied', async () => {
    account('racer-bot', 'bot')
    await alice.create('race')
    const actor = hub.actAs('racer-bot')
    await actor.join('race')
    const { seq } = await actor.say({ room: 'race', text: 'original', txn: 'r1' })
    const [deleted, edited] = await Promise.allSettled([actor.delete('race', seq), actor.edit('race', seq, 'too late')])
    expect(deleted.status).toBe('fulfilled')
    expect(edited).toMatchObject({ status: 'rejected', reason: { code: 'CHATHUB_MESSAGE_NOT_FOUND' } })
    expect(actor.message('race', seq)).toMatchObject({ text: null })
  })

  test('catch-up from a cursor: the edits of messages the follower has, then the later messages', async () => {
    account('late-bot', 'bot')
    await alice.create('later')
    const actor = hub.actAs('late-bot')
    await actor.join('later')
    const a = await alice.say('later', 'one')
    const cursor = { since: a.seq, rev: 0 }
    await alice.edit('later', a.seq, 'one, edited')
    const b = await alice.say('later', 'two')
    const page = actor.catchUp('later', cursor)
    expect(page.events).toMatchObject([
      { type: 'edited', seq: a.seq, text: 'one, edited', rev: 1 },
      { type: 'message', seq: b.seq, text: 'two' },
    ])
    expect(page).toMatchObject({ seq: b.seq, rev: 1, more: false })
    // Pages: one at a time, `more` until the end.
    const first = actor.catchUp('later', { since: 0 }, 1)
    expect(first).toMatchObject({ more: true, seq: a.seq })
    expect(actor.catchUp('later', { since: first.seq }, 1)).toMatchObject({ more: false, seq: b.seq })
  })

  test('an account disabled after its actor was made writes nothing more', async () => {
    const row = account('doomed-bot', 'bot')
    await alice.create('doomed')
    const actor = hub.actAs('doomed-bot')
    await actor.join('doomed')
    await actor.say({ room: 'doomed', text: 'before', txn: 'd1' })
    h.hub.db.$client.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(Date.now(), row.id)
    expect(await codeOf(actor.say({ room: 'doomed', text: 'after', txn: 'd2' }))).toBe('CHATHUB_USER_DISABLED')
    expect(actor.catchUp('doomed', { since: 0 }).events).toHaveLength(1)
  })

  test('following shows the account online; stopping takes it away', async () => {
    account('present-bot', 'bot')
    await alice.create('presence')
    const actor = hub.actAs('present-bot')
    await actor.join('presence')
    const online = async () => (await alice.members('presence')).members.find((m) => m.user === 'present-bot')?.online
    expect(await online()).toBe(false)
    const stop = actor.follow('presence')
    expect(await online()).toBe(true)
    stop()
    expect(await online()).toBe(false)
  })
})

test('an account has a rate limit of its own: over it, CHATHUB_RATE_LIMITED with retryAfter', async () => {
  const limited = await startHub(
    { limits: { messagesPerSecond: 5, messageBurst: 5 }, plugins: { observer: { module: observer } } },
    { builtins: {} },
  )
  try {
    insertUser(limited.hub.db, { name: 'fast-bot', passwordHash: null, kind: 'bot' })
    const api = limited.hub.plugins.runtimes()[0]?.runtime.provides?.hub as HubApi
    const client = await limited.connect('carol')
    await client.create('fast')
    const actor = api.actAs('fast-bot')
    await actor.join('fast')
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => actor.say({ room: 'fast', text: `m${i}`, txn: `f${i}` })),
    )
    const refused = results.filter((r) => r.status === 'rejected')
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
    expect(refused[0]).toMatchObject({ reason: { code: 'CHATHUB_RATE_LIMITED', retryAfter: expect.any(Number) } })
    // The client's own budget is untouched by the bot's.
    expect((await client.say('fast', 'still fine')).seq).toBe(6)
  } finally {
    await limited.close()
  }
})
