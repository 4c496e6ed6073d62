// End-to-end encrypted direct messages through the SDK, with real devices on a real hub: on a hub with
// e2e.directMessages, openDirect/sayDirect make every new conversation E2E (the hub refuses a clear one,
// the session opens it with a group on this device and adds the peer's devices), messages go both ways
// decrypted and the hub's files hold none of them; a peer without a device is added once they have
// one; on a hub without the switch, `e2e` asks for one conversation and the others stay clear.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import { startHub, type TestHub } from '#test/helpers/start-hub'

interface Person {
  client: ChatClient
  session: E2eSession
}

/** A user on a device of their own (in memory); `enable`: registered now, not when first needed. */
const personOn = async (h: TestHub, name: string, enable = true): Promise<Person> => {
  const client = await h.connect(name)
  const session = await E2eSession.attach(client, {
    deviceName: `${name}'s laptop`,
    store: new MemoryDeviceStore(),
  })
  if (enable) await session.enable()
  return { client, session }
}

const received = (p: Person, room: string, text: string) =>
  p.client.next('message', (m) => m.room === room && m.text === text)

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })

describe('a hub with e2e.directMessages', () => {
  let h: TestHub
  let alice: Person
  let bob: Person

  beforeAll(async () => {
    h = await startHub({ e2e: { directMessages: true } })
    alice = await personOn(h, 'alice')
    bob = await personOn(h, 'bob')
  })
  afterAll(() => h.close())

  test('a new conversation is end-to-end encrypted; messages go both ways decrypted', async () => {
    const opened = await alice.client.openDirect('bob')
    expect(opened).toMatchObject({ user: 'bob', created: true, e2e: { suite: 1 } })
    const room = opened.room

    const atBob = received(bob, room, 'the secret lunch place')
    const sent = await alice.client.say(room, 'the secret lunch place')
    const got = await atBob
    expect(got).toMatchObject({ seq: sent.seq, from: 'alice' })
    expect(got.e2e?.device).toBeDefined()

    // bob answers the way a client does: open (finds the E2E room as it is), then send.
    const atAlice = received(alice, room, 'see you there')
    const back = await bob.client.sayDirect('alice', 'see you there', { replyTo: sent.seq })
    expect((await atAlice).replyTo).toBe(sent.seq)
    expect(back.room).toBe(room)

    for (const p of [alice, bob]) {
      const page = await p.client.history(room)
      expect(page.messages.map((m) => [m.from, m.text])).toEqual([
        ['alice', 'the secret lunch place'],
        ['bob', 'see you there'],
      ])
    }
    // The hub's copy: ciphertext only.
    const onHub = await alice.client.request('history', { room })
    expect(onHub.messages.every((m) => m.text === null)).toBe(true)
    expect(onHub.messages.map((m) => m.mls?.kind)).toEqual(['commit', 'application', 'application'])
  })

  test('a client without an E2E session cannot start one in clear', async () => {
    const plain = await h.connect('alice')
    await h.connect('dave')
    await expect(plain.openDirect('dave')).rejects.toMatchObject({ code: 'CHATHUB_E2E_REQUIRED' })
    await expect(plain.openDirect('dave', { e2e: true })).rejects.toMatchObject({
      code: 'E2E_NO_DEVICE',
    })
  })

  test('a peer without a device yet is added by the other side once they have one', async () => {
    const carol = await personOn(h, 'carol', false)
    const opened = await alice.client.openDirect('carol')
    expect(opened).toMatchObject({ created: true, e2e: { suite: 1 } })
    await alice.client.say(opened.room, 'sent before carol had a device')

    // carol's device registers; alice's device, online, adds it (a Welcome for carol's device).
    const welcomed = carol.client.next('welcome', (w) => w.room === opened.room)
    await carol.session.enable()
    await welcomed
    const atAlice = received(alice, opened.room, 'now I can write')
    await carol.client.sayDirect('alice', 'now I can write')
    await atAlice
    const atCarol = received(carol, opened.room, 'and read')
    await alice.client.say(opened.room, 'and read')
    await atCarol
    // No history before joining: what was sent before carol's device was in the group is not hers
    // (her connection saw it go by, so her log says so rather than dropping it).
    const page = await carol.client.history(opened.room)
    expect(page.messages.map((m) => m.text)).toEqual([null, 'now I can write', 'and read'])
    expect(page.messages[0]?.undecryptable).toMatchObject({ reason: 'before_join' })
    await carol.client.close()
  })

  test('the data directory holds none of the plaintexts', async () => {
    h.hub.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    const secrets = [
      'the secret lunch place',
      'see you there',
      'sent before carol',
      'now I can write',
      'and read',
    ]
    const files = filesUnder(h.dataDir)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const bytes = readFileSync(file)
      for (const secret of secrets)
        expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false)
    }
    const logs = JSON.stringify(h.logs)
    for (const secret of secrets) expect(logs.includes(secret)).toBe(false)
  })
})

describe('a hub without the switch', () => {
  let h: TestHub
  beforeAll(async () => {
    h = await startHub()
  })
  afterAll(() => h.close())

  test('`e2e` makes one conversation end-to-end encrypted; the others stay clear', async () => {
    const alice = await personOn(h, 'alice')
    const bob = await personOn(h, 'bob')
    const carol = await personOn(h, 'carol')
    const secret = await alice.client.openDirect('bob', { e2e: true })
    expect(secret).toMatchObject({ created: true, e2e: { suite: 1 } })
    const atBob = received(bob, secret.room, 'encrypted on request')
    await alice.client.say(secret.room, 'encrypted on request')
    await atBob
    expect(
      (await alice.client.request('history', { room: secret.room })).messages.every(
        (m) => m.text === null,
      ),
    ).toBe(true)

    const clear = await alice.client.openDirect('carol')
    expect(clear).not.toHaveProperty('e2e')
    const atCarol = received(carol, clear.room, 'in clear')
    await alice.client.say(clear.room, 'in clear')
    expect((await atCarol).e2e).toBeUndefined()
    expect(
      (await alice.client.request('history', { room: clear.room })).messages.map((m) => m.text),
    ).toEqual(['in clear'])
    // Asking again with `e2e` does not change a conversation that exists.
    const again = await alice.client.openDirect('carol', { e2e: true })
    expect(again).toMatchObject({ room: clear.room, created: false })
    expect(again).not.toHaveProperty('e2e')
  })
})
