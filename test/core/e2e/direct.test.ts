// End-to-end encrypted direct conversations on the hub: `dm` with `e2e` from a device opens one with a
// new group (its ack carries the group, for the opener's device to make); with `e2e.directMessages`
// on, a new conversation in clear is refused (CHATHUB_E2E_REQUIRED) and nothing is created, while one
// that existed before stays clear; the peer's plain `dm` finds the E2E one as it is.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, newDevice } from './mls-kit.ts'

let hubs: TestHub[] = []
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.close()
})
const hubWith = async (directMessages: boolean, dataDir?: string) => {
  const h = await startHub({ e2e: { directMessages } }, dataDir ? { dataDir } : {})
  hubs.push(h)
  return h
}

describe('with e2e.directMessages on', () => {
  test('a new conversation in clear is refused, and nothing is created', async () => {
    const h = await hubWith(true)
    const alice = await h.connect('alice')
    await h.connect('bob')
    expect((await refusal(alice.request('dm', { user: 'bob' }))).code).toBe('CHATHUB_E2E_REQUIRED')
    expect((await refusal(alice.request('dm', { user: 'bob', e2e: false }))).code).toBe(
      'CHATHUB_E2E_REQUIRED',
    )
    expect((await alice.rooms()).rooms).toEqual([])
    // The same checks as any `dm` come first: an unknown user, yourself.
    expect((await refusal(alice.request('dm', { user: 'nobody' }))).code).toBe(
      'CHATHUB_USER_NOT_FOUND',
    )
    expect((await refusal(alice.request('dm', { user: 'alice' }))).code).toBe('CHATHUB_DIRECT_SELF')
  })

  test('a conversation with a bot or a bridge opens in clear: they run on the hub', async () => {
    const h = await hubWith(true)
    const alice = await h.connect('alice')
    insertUser(h.hub.db, { name: 'helper-bot', passwordHash: null, kind: 'bot' })
    const bridge = insertUser(h.hub.db, { name: 'irc-bridge', passwordHash: null, kind: 'bridge' })
    const withBot = await alice.request('dm', { user: 'helper-bot' })
    expect(withBot).toMatchObject({ user: 'helper-bot', created: true })
    expect(withBot.e2e).toBeUndefined()
    // The other way round too: the bridge's own session opens one with a person.
    const asBridge = await ChatClient.connect(h.url, issueSession(h.hub.db, bridge.id, { ttlMs: 60_000 }).token)
    try {
      expect((await asBridge.request('dm', { user: 'bob-person' }).catch((err: unknown) => err)) as object).toMatchObject({
        code: 'CHATHUB_USER_NOT_FOUND',
      })
      await h.connect('bob-person')
      expect((await asBridge.request('dm', { user: 'bob-person' })).e2e).toBeUndefined()
    } finally {
      await asBridge.close()
    }
    // Between two people the switch still holds.
    await h.connect('bob')
    expect((await refusal(alice.request('dm', { user: 'bob' }))).code).toBe('CHATHUB_E2E_REQUIRED')
  })

  test('a device opens one with a new group; the peer finds it as it is, without a device', async () => {
    const h = await hubWith(true)
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    // Without a device there is no one to make the group.
    expect((await refusal(alice.request('dm', { user: 'bob', e2e: true }))).code).toBe(
      'CHATHUB_E2E_DEVICE_REQUIRED',
    )
    await bindDevice(alice, await newDevice('alice', 'alice-laptop'))
    const opened = await alice.request('dm', { user: 'bob', e2e: true, suite: 1 })
    expect(opened).toMatchObject({
      user: 'bob',
      seq: 0,
      created: true,
      e2e: { suite: 1, epoch: 0 },
    })
    expect(Buffer.from(opened.e2e?.group ?? '', 'base64')).toHaveLength(16)

    // bob's plain `dm` (an old client would send it) finds the conversation, E2E as it was made.
    const found = await bob.request('dm', { user: 'alice' })
    expect(found).toMatchObject({
      room: opened.room,
      user: 'alice',
      created: false,
      e2e: opened.e2e,
    })
    // Listed as a direct room with its group; plain writes are refused there.
    const listed = (await bob.rooms()).rooms.find((r) => r.name === opened.room)
    expect(listed).toMatchObject({ kind: 'direct', peer: 'alice', e2e: opened.e2e })
    expect(
      (await refusal(bob.request('say', { room: opened.room, text: 'in clear', txn: 'b1' }))).code,
    ).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    // Opening it again with `e2e` changes nothing.
    expect(await alice.request('dm', { user: 'bob', e2e: true })).toMatchObject({
      room: opened.room,
      created: false,
      e2e: opened.e2e,
    })
  })

  test('a conversation opened in clear before the switch stays clear', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chathub-test-'))
    try {
      const before = await hubWith(false, dataDir)
      const alice = await before.connect('alice')
      await before.connect('bob')
      const clear = await alice.request('dm', { user: 'bob' })
      expect(clear).toMatchObject({ created: true })
      expect(clear).not.toHaveProperty('e2e')
      await before.close()
      hubs = hubs.filter((h) => h !== before)

      const after = await hubWith(true, dataDir)
      const bob = await after.connect('bob')
      const again = await bob.request('dm', { user: 'alice' })
      expect(again).toMatchObject({ room: clear.room, created: false })
      expect(again).not.toHaveProperty('e2e')
      expect(
        await bob.request('say', { room: clear.room, text: 'still in clear', txn: 'c1' }),
      ).toMatchObject({ seq: 1 })
      // A new conversation on the same hub is refused in clear all the same.
      await after.connect('carol')
      expect((await refusal(bob.request('dm', { user: 'carol' }))).code).toBe(
        'CHATHUB_E2E_REQUIRED',
      )
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('with e2e.directMessages off (the default)', () => {
  test('a conversation is clear unless a device asks for an E2E one', async () => {
    const h = await hubWith(false)
    const alice = await h.connect('alice')
    await h.connect('bob')
    await h.connect('carol')
    const clear = await alice.request('dm', { user: 'bob' })
    expect(clear).toMatchObject({ created: true })
    expect(clear).not.toHaveProperty('e2e')
    await bindDevice(alice, await newDevice('alice', 'alice-laptop'))
    // Asking for E2E does not change one that exists.
    const same = await alice.request('dm', { user: 'bob', e2e: true })
    expect(same).toMatchObject({ room: clear.room, created: false })
    expect(same).not.toHaveProperty('e2e')
    expect(await alice.request('dm', { user: 'carol', e2e: true })).toMatchObject({
      created: true,
      e2e: { suite: 1, epoch: 0 },
    })
  })

  test('bad e2e fields are refused as invalid frames', async () => {
    const h = await hubWith(false)
    const alice = await h.connect('alice')
    await h.connect('bob')
    for (const bad of [{ e2e: 'yes' }, { e2e: true, suite: 2 }]) {
      alice.sendRaw(JSON.stringify({ type: 'dm', ref: 'x1', user: 'bob', ...bad }))
      expect(await alice.next('error', (e) => e.ref === 'x1')).toMatchObject({
        code: 'CHATHUB_FRAME_INVALID',
      })
    }
    expect((await alice.rooms()).rooms).toEqual([])
  })
})
