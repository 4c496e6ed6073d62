// What an E2E room refuses, each with its code and nothing changed: plain writes (say, edit, delete,
// react) and the plugins' hub API; MLS garbage (bad base64, oversize, another group, a Welcome or a
// KeyPackage as data, a Commit without a valid GroupInfo or with a bad Welcome); non-members and
// connections without a device; `mls` in a clear room. Then the byte scan: the database file and its
// WAL hold none of the plaintexts of the application messages sent.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { createHubApi } from '#core/plugins/hub-api'
import { MLS_MESSAGE_MAX } from '#core/protocol/messages'
import { insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, keyPackage, Member, newDevice, sendMls, type TestDevice } from './mls-kit.ts'

let h: TestHub
let alice: ChatClient
let aliceDev: TestDevice
let a: Member
let group = ''

beforeAll(async () => {
  // Default limits: an `mls` frame may be larger than limits.maxFrameBytes (up to MLS_FRAME_MAX).
  h = await startHub()
  alice = await h.connect('alice')
  aliceDev = await newDevice('alice', 'alice-laptop')
  await bindDevice(alice, aliceDev)
  group = (await alice.request('create', { room: 'sec', e2e: true })).e2e?.group ?? ''
  a = await Member.create(aliceDev, group)
  await alice.join('sec')
  await alice.request('create', { room: 'clear' })
  await alice.join('clear')
})
afterAll(() => h.close())

/** The room is where it was: same epoch, and a sentinel application message goes through next. */
const unchanged = async (epoch: number) => {
  expect((await alice.request('groupinfo', { room: 'sec' })).epoch).toBe(epoch)
  const sentinel = await sendMls(alice, 'sec', await a.encrypt('sentinel'))
  expect(sentinel.epoch).toBe(epoch)
}

describe('an E2E room refuses', () => {
  test('plain messages, edits, deletes and reactions: the hub has no text there', async () => {
    const sent = await sendMls(alice, 'sec', await a.encrypt('first'))
    expect(
      (await refusal(alice.request('say', { room: 'sec', text: 'in clear', txn: 'x1' }))).code,
    ).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect(
      (await refusal(alice.request('say', { room: 'sec', text: '/help', txn: 'x2' }))).code,
    ).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect(
      (await refusal(alice.request('edit', { room: 'sec', seq: sent.seq, text: 'x' }))).code,
    ).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect((await refusal(alice.request('delete', { room: 'sec', seq: sent.seq }))).code).toBe(
      'CHATHUB_E2E_ROOM_ENCRYPTED',
    )
    expect(
      (await refusal(alice.request('react', { room: 'sec', seq: sent.seq, emoji: '👍' }))).code,
    ).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    // And a clear room takes no MLS message.
    expect((await refusal(sendMls(alice, 'clear', await a.encrypt('wrong room')))).code).toBe(
      'CHATHUB_E2E_NOT_E2E_ROOM',
    )
    await unchanged(0)
  })

  test('bots and bridges (the in-process hub API) are refused, never handed ciphertext or plaintext', async () => {
    insertUser(h.hub.db, { name: 'helper', passwordHash: null, kind: 'bot' })
    const bot = createHubApi(h.hub)('bots').actAs('helper')
    const code = (p: () => unknown) =>
      Promise.resolve()
        .then(p)
        .then(
          () => 'resolved',
          (e: { code?: string }) => e.code,
        )
    expect(await code(() => bot.join('sec'))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    // A private E2E room it was not invited to stays unknown to it, as any private room does.
    await alice.request('create', { room: 'hidden', e2e: true, private: true })
    expect(await code(() => bot.join('hidden'))).toBe('CHATHUB_ROOM_NOT_FOUND')
    await alice.request('invite', { room: 'hidden', user: 'helper' })
    expect(await code(() => bot.join('hidden'))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect(await code(() => bot.say({ room: 'sec', text: 'hi', txn: 'b1' }))).toBe(
      'CHATHUB_ROOM_NOT_MEMBER',
    )
    expect(await code(() => bot.catchUp('sec', { since: 0 }))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect(await code(() => bot.message('sec', 1))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    // A member account acting through the API (a bridge's) is refused too.
    const asAlice = createHubApi(h.hub)('bridge').actAs('alice')
    expect(await code(() => asAlice.say({ room: 'sec', text: 'hi', txn: 'b2' }))).toBe(
      'CHATHUB_E2E_ROOM_ENCRYPTED',
    )
    expect(await code(() => asAlice.follow('sec'))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    expect(await code(() => asAlice.react('sec', 1, '👍'))).toBe('CHATHUB_E2E_ROOM_ENCRYPTED')
    // The clear room still works for it.
    expect(await code(() => asAlice.catchUp('clear', { since: 0 }))).toBe('resolved')
  })

  test('MLS garbage of every kind, each with its code, nothing stored', async () => {
    const epoch = a.epoch
    const kp = (await keyPackage(aliceDev)).b64
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'not canonical base64',
        () => sendMls(alice, 'sec', 'QUJDRA'),
        'CHATHUB_E2E_MESSAGE_INVALID',
      ],
      [
        'base64 of garbage',
        () => sendMls(alice, 'sec', Buffer.from('not an mls message').toString('base64')),
        'CHATHUB_E2E_MESSAGE_INVALID',
      ],
      [
        'not base64 at all',
        () => sendMls(alice, 'sec', 'this is not base64!'),
        'CHATHUB_FRAME_INVALID',
      ],
      [
        'oversize',
        () => sendMls(alice, 'sec', 'A'.repeat((MLS_MESSAGE_MAX / 3) * 4 + 8)),
        'CHATHUB_FRAME_INVALID',
      ],
      ['a KeyPackage as data', () => sendMls(alice, 'sec', kp), 'CHATHUB_E2E_MESSAGE_INVALID'],
    ]
    // A Welcome as data (from a Commit of another group that adds someone).
    const elsewhere = await Member.create(aliceDev, Buffer.alloc(16, 7).toString('base64'))
    const bobDev = await newDevice('bob', 'bob-laptop')
    const addBob = await elsewhere.commit({ add: [(await keyPackage(bobDev)).b64] })
    cases.push([
      'a Welcome as data',
      () => sendMls(alice, 'sec', addBob.welcome ?? ''),
      'CHATHUB_E2E_MESSAGE_INVALID',
    ])
    cases.push([
      'a GroupInfo as data',
      () => sendMls(alice, 'sec', addBob.groupInfo),
      'CHATHUB_E2E_MESSAGE_INVALID',
    ])
    // Messages of another group, whatever their kind.
    cases.push([
      'another group’s Commit',
      () => sendMls(alice, 'sec', addBob.data, { groupInfo: addBob.groupInfo }),
      'CHATHUB_E2E_MESSAGE_INVALID',
    ])
    const foreign = await elsewhere.encrypt('hi')
    cases.push([
      'another group’s message',
      () => sendMls(alice, 'sec', foreign),
      'CHATHUB_E2E_MESSAGE_INVALID',
    ])
    // Commits of this group with what must go with them missing or wrong.
    const commit = await a.commit()
    cases.push([
      'a Commit without GroupInfo',
      () => sendMls(alice, 'sec', commit.data),
      'CHATHUB_E2E_GROUPINFO_INVALID',
    ])
    cases.push([
      'another group’s GroupInfo',
      () => sendMls(alice, 'sec', commit.data, { groupInfo: addBob.groupInfo }),
      'CHATHUB_E2E_GROUPINFO_INVALID',
    ])
    cases.push([
      'garbage GroupInfo',
      () => sendMls(alice, 'sec', commit.data, { groupInfo: 'QUJDRA==' }),
      'CHATHUB_E2E_GROUPINFO_INVALID',
    ])
    const withWelcome = { groupInfo: commit.groupInfo }
    cases.push([
      'a Welcome without to',
      () => sendMls(alice, 'sec', commit.data, { ...withWelcome, welcome: addBob.welcome }),
      'CHATHUB_E2E_WELCOME_INVALID',
    ])
    cases.push([
      'to without a Welcome',
      () => sendMls(alice, 'sec', commit.data, { ...withWelcome, to: ['alice'] }),
      'CHATHUB_E2E_WELCOME_INVALID',
    ])
    cases.push([
      'garbage Welcome',
      () =>
        sendMls(alice, 'sec', commit.data, { ...withWelcome, welcome: 'QUJDRA==', to: ['alice'] }),
      'CHATHUB_E2E_WELCOME_INVALID',
    ])
    insertUser(h.hub.db, { name: 'stranger', passwordHash: null })
    cases.push([
      'a Welcome for a user neither member nor invited',
      () =>
        sendMls(alice, 'sec', commit.data, {
          ...withWelcome,
          welcome: addBob.welcome,
          to: ['stranger'],
        }),
      'CHATHUB_E2E_WELCOME_INVALID',
    ])
    const application = await new Member(aliceDev, a.state).encrypt('x')
    cases.push([
      'groupInfo with an application message',
      () => sendMls(alice, 'sec', application, withWelcome),
      'CHATHUB_E2E_MESSAGE_INVALID',
    ])
    for (const [what, send, code] of cases)
      expect([what, (await refusal(send())).code]).toEqual([what, code])
    await unchanged(epoch)
    // The Commit itself, sent right, is taken: nothing of the refusals stuck to it.
    const taken = await sendMls(alice, 'sec', commit.data, { groupInfo: commit.groupInfo })
    a.state = commit.newState
    expect(taken.epoch).toBe(epoch + 1)
  })

  test('non-members, connections without a device, another user’s device id', async () => {
    const bob = await h.connect('bob')
    // A public E2E room bob has not joined, with a device bound: not a member.
    const bobDev = await newDevice('bob', 'bob-laptop')
    await bindDevice(bob, bobDev)
    expect((await refusal(sendMls(bob, 'sec', await a.encrypt('x')))).code).toBe(
      'CHATHUB_ROOM_NOT_MEMBER',
    )
    // alice without a device on this connection.
    const bare = await h.connect('alice')
    expect((await refusal(sendMls(bare, 'sec', await a.encrypt('x')))).code).toBe(
      'CHATHUB_E2E_DEVICE_REQUIRED',
    )
    // bob registers "alice-laptop" as a device id: it is his own (ids are per account), with his key,
    // and KeyPackages naming alice's device are still refused to him.
    const bobAsAlice = await newDevice('bob', 'alice-laptop')
    const other = await h.connect('bob')
    expect(await bindDevice(other, bobAsAlice)).toMatchObject({
      device: 'alice-laptop',
      first: false,
      vouched: false,
    })
    const forged = await keyPackage({ ...bobAsAlice, user: 'alice' })
    expect((await refusal(other.request('keypackages', { packages: [forged.b64] }))).code).toBe(
      'CHATHUB_E2E_KEYPACKAGE_INVALID',
    )
    expect((await alice.request('devices', { user: 'alice' })).devices.map((d) => d.key)).toEqual([
      Buffer.from(aliceDev.keys.publicKey).toString('base64'),
    ])
    await unchanged(a.epoch)
  })
})

describe('what the hub stores', () => {
  test('the database file and its WAL hold none of the plaintexts (and a clear room’s text is found: the scan works)', async () => {
    const secrets = Array.from(
      { length: 5 },
      (_, i) => `e2e-plaintext-canary-${i}-${Math.random().toString(36).slice(2)}`,
    )
    for (const text of secrets) await sendMls(alice, 'sec', await a.encrypt(text))
    const clearCanary = `clear-text-canary-${Math.random().toString(36).slice(2)}`
    await alice.say('clear', clearCanary)
    // Everything is committed (the acks wait for it) and in the WAL or the main file.
    const files = allFiles(h.dataDir)
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true)
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)))
    expect(bytes.includes(Buffer.from(clearCanary))).toBe(true)
    for (const text of secrets) expect(bytes.includes(Buffer.from(text))).toBe(false)
    // Not even the start of one (a plaintext split across pages would still show its first bytes).
    expect(bytes.includes(Buffer.from('e2e-plaintext-canary'))).toBe(false)
  })
})

const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? allFiles(path) : [path]
  })
