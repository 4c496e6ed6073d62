// What a device gets that it cannot use — garbage, a truncated or replayed message, a message of
// another group or epoch, a Welcome for someone else, a bad KeyPackage or payload — each gets a
// stable error and leaves the device's state as it was.
import { beforeEach, expect, test } from 'vitest'
import { encodeMlsMessage } from 'ts-mls'
import { RoomGroup } from '#core/client/e2e/group'
import {
  decodeKeyPackage,
  keepKeyPackages,
  makeKeyPackages,
  withoutUsedKeyPackage,
} from '#core/client/e2e/key-packages'
import { decodePayload, encodePayload } from '#core/client/e2e/payload'
import {
  FakeHub,
  type TestDevice,
  catchUp,
  commitNow,
  groupOf,
  joinFromWelcome,
  newDevice,
  say,
} from './fake-hub.ts'

const newGroupId = () => globalThis.crypto.getRandomValues(new Uint8Array(16))
const utf8 = new TextEncoder()

let hub: FakeHub
let alice: TestDevice
let bob: TestDevice

beforeEach(async () => {
  hub = new FakeHub()
  alice = await newDevice(hub, 'alice')
  bob = await newDevice(hub, 'bob')
  alice.group = await RoomGroup.create(alice.ctx, newGroupId())
  await commitNow(hub, alice, { add: hub.claim('bob') })
  await joinFromWelcome(hub, bob)
})

/** `data` processed by bob fails with E2E_CANNOT_DECRYPT for `reason`, and bob's state is unchanged. */
const expectRefused = async (data: Uint8Array, reason: string) => {
  const before = groupOf(bob).encode()
  await expect(groupOf(bob).process(data)).rejects.toMatchObject({
    code: 'E2E_CANNOT_DECRYPT',
    details: { reason },
  })
  expect(groupOf(bob).encode()).toEqual(before)
}

test('garbage, a truncated message and a flipped byte are malformed', async () => {
  const message = await groupOf(alice).encrypt(utf8.encode('hello'))
  await expectRefused(new Uint8Array(0), 'malformed')
  await expectRefused(globalThis.crypto.getRandomValues(new Uint8Array(300)), 'malformed')
  await expectRefused(message.subarray(0, message.length - 5), 'malformed')
  await expectRefused(new Uint8Array([...message, 0]), 'malformed')
  const flipped = message.slice()
  flipped[flipped.length - 20]! ^= 0x01
  await expectRefused(flipped, 'malformed')
  // A KeyPackage is no room message either.
  await expectRefused((await makeKeyPackages('bob', bob.device, 1)).packages[0]!, 'malformed')
  // And the intact message still decrypts afterwards.
  await expect(groupOf(bob).process(message)).resolves.toMatchObject({ kind: 'application' })
})

test('a replayed application message is refused the second time', async () => {
  const seq = await say(hub, alice, 'once')
  await catchUp(hub, bob)
  await expectRefused(hub.log[seq - 1]!.data, 'replayed')
})

test('a message of another group, of an epoch not reached yet, or from before joining is refused', async () => {
  const other = await newDevice(hub, 'carol')
  other.group = await RoomGroup.create(other.ctx, newGroupId())
  await expectRefused(await groupOf(other).encrypt(utf8.encode('wrong room')), 'malformed')

  // Alice moves on an epoch bob has not seen, and writes there.
  const early = await groupOf(alice).encrypt(utf8.encode('epoch 1'))
  await commitNow(hub, alice, {})
  await expectRefused(await groupOf(alice).encrypt(utf8.encode('epoch 2')), 'missed_commit')

  // Dave joins at epoch 3: what was written before is not for him.
  const dave = await newDevice(hub, 'dave')
  await commitNow(hub, alice, { add: hub.claim('dave') })
  await joinFromWelcome(hub, dave)
  const before = groupOf(dave).encode()
  await expect(groupOf(dave).process(early)).rejects.toMatchObject({
    details: { reason: 'before_join' },
  })
  expect(groupOf(dave).encode()).toEqual(before)
})

test('a message sent in the epoch just left still decrypts; one from an epoch whose keys are deleted does not', async () => {
  // Alice wrote while her Commit was on its way; the hub ordered the Commit first.
  const inFlight = await groupOf(alice).encrypt(utf8.encode('sent while committing'))
  const pending = await groupOf(alice).proposeCommit({})
  hub.commit(alice, pending!)
  groupOf(alice).confirm()
  hub.post(alice, inFlight)
  expect(await catchUp(hub, bob)).toMatchObject([
    { kind: 'commit' },
    { kind: 'application', epoch: 1 },
  ])

  const old = await groupOf(alice).encrypt(utf8.encode('held back by the hub'))
  for (let i = 0; i < 5; i++) await commitNow(hub, alice, {})
  await catchUp(hub, bob)
  await expectRefused(old, 'epoch_too_old')
})

test('a Commit of an epoch already left is refused as too old', async () => {
  const first = await commitNow(hub, alice, {})
  await catchUp(hub, bob)
  await expectRefused(first.commit, 'epoch_too_old')
})

test('a Welcome for another device is not for us, and a used one-time KeyPackage is gone', async () => {
  const carol = await newDevice(hub, 'carol')
  const dave = await newDevice(hub, 'dave')
  await commitNow(hub, alice, { add: hub.claim('carol') })
  const welcome = hub.welcomeFor('carol').data
  await expect(RoomGroup.join(dave.ctx, welcome, dave.kept)).rejects.toMatchObject({
    code: 'E2E_WELCOME_NOT_FOR_US',
  })
  await expect(
    RoomGroup.join(dave.ctx, utf8.encode('not a welcome'), dave.kept),
  ).rejects.toMatchObject({
    code: 'E2E_CANNOT_DECRYPT',
    details: { reason: 'malformed' },
  })

  const { keyPackage } = await RoomGroup.join(carol.ctx, welcome, carol.kept)
  const left = withoutUsedKeyPackage(carol.kept, keyPackage)
  expect(left).toHaveLength(carol.kept.length - 1)
  await expect(RoomGroup.join(carol.ctx, welcome, left)).rejects.toMatchObject({
    code: 'E2E_WELCOME_NOT_FOR_US',
  })
})

test('KeyPackages: refs are unique, a last-resort one survives use, a bad one is refused with a stable code', async () => {
  const batch = await makeKeyPackages('bob', bob.device, 3, { lastResort: true })
  expect(batch.packages).toHaveLength(3)
  expect(batch.lastResort).toBeDefined()
  expect(new Set(batch.kept.map((p) => p.ref)).size).toBe(4)
  const lastResort = batch.kept.find((p) => p.lastResort)!
  expect(withoutUsedKeyPackage(batch.kept, lastResort.ref)).toHaveLength(4)
  // Only the newest two last-resort packages are kept.
  let kept = keepKeyPackages([], batch)
  for (let i = 0; i < 2; i++)
    kept = keepKeyPackages(kept, await makeKeyPackages('bob', bob.device, 0, { lastResort: true }))
  expect(kept.filter((p) => p.lastResort)).toHaveLength(2)
  expect(kept.some((p) => p.ref === lastResort.ref)).toBe(false)

  expect(decodeKeyPackage(batch.packages[0]!).owner).toEqual({ user: 'bob', device: bob.device.id })
  const welcomeLike = encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_welcome',
    welcome: {
      cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
      secrets: [],
      encryptedGroupInfo: new Uint8Array(4),
    },
  })
  for (const bad of [utf8.encode('nope'), welcomeLike]) {
    await expect(groupOf(alice).proposeCommit({ add: [bad] })).rejects.toMatchObject({
      code: 'E2E_KEY_PACKAGE_INVALID',
    })
  }
  expect(groupOf(alice).pending).toBeUndefined()
})

test('payloads: what is sent comes back; anything else inside a decrypted message is malformed', () => {
  const say = {
    v: 1 as const,
    t: 'say' as const,
    text: 'look',
    txn: 't-1',
    replyTo: 4,
    attachments: [
      {
        id: 'a1',
        name: 'cat.png',
        mime: 'image/png',
        size: 10,
        key: `${'A'.repeat(43)}=`,
        sha256: `${'B'.repeat(43)}=`,
        width: 2,
        height: 3,
      },
    ],
  }
  for (const p of [
    say,
    { v: 1 as const, t: 'edit' as const, seq: 3, text: 'fixed' },
    { v: 1 as const, t: 'delete' as const, seq: 3 },
  ]) {
    expect(decodePayload(encodePayload(p))).toEqual(p)
  }
  expect(
    decodePayload(encodePayload({ v: 1, t: 'react', seq: 3, emoji: '👍🏽', remove: true })),
  ).toMatchObject({ emoji: '👍🏽' })

  const malformed = [
    utf8.encode('not json'),
    new Uint8Array([0xff, 0xfe]),
    utf8.encode(JSON.stringify({ v: 2, t: 'say', text: 'from the future', txn: 'x' })),
    utf8.encode(JSON.stringify({ v: 1, t: 'say', text: '', txn: 'x' })),
    utf8.encode(JSON.stringify({ v: 1, t: 'edit', seq: 0, text: 'x' })),
    utf8.encode(JSON.stringify({ ...say, attachments: [{ ...say.attachments[0], key: 'short' }] })),
    utf8.encode(JSON.stringify({ v: 1, t: 'say', text: 'x'.repeat(16001), txn: 'x' })),
    new Uint8Array(200 * 1024),
  ]
  for (const bytes of malformed) {
    expect(() => decodePayload(bytes)).toThrow(
      expect.objectContaining({
        code: 'E2E_CANNOT_DECRYPT',
        details: expect.objectContaining({ reason: 'malformed' }),
      }),
    )
  }
  expect(() => encodePayload({ v: 1, t: 'react', seq: 1, emoji: '' })).toThrow(
    expect.objectContaining({ code: 'E2E_PAYLOAD_INVALID' }),
  )
})
