// The KeyPackage directory: publishing (valid, another credential, another key, garbage, the limit),
// claiming (authorised, not a member, a user neither member nor invited, one-time packages first then
// the last-resort one, `keypackages.low`, the rate limit).
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { CLAIMS_PER_MINUTE, LOW_WATER, MAX_ONE_TIME } from '#core/e2e/key-packages'
import { credentialIdentity } from '#core/protocol/e2e'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, keyPackage, newDevice, type TestDevice } from './mls-kit.ts'

let h: TestHub
let alice: ChatClient
let bob: ChatClient
let aliceDev: TestDevice
let bobDev: TestDevice

beforeAll(async () => {
  h = await startHub()
  alice = await h.connect('alice')
  bob = await h.connect('bob')
  aliceDev = await newDevice('alice', 'alice-laptop')
  bobDev = await newDevice('bob', 'bob-laptop')
  await bindDevice(alice, aliceDev)
  await bindDevice(bob, bobDev)
  await alice.request('create', { room: 'vault', e2e: true, private: true })
})
afterAll(() => h.close())

const packages = (d: TestDevice, n: number) =>
  Promise.all(Array.from({ length: n }, () => keyPackage(d))).then((l) => l.map((k) => k.b64))

describe('publishing KeyPackages', () => {
  test('valid ones are stored; another credential, another key or garbage refuses the whole frame', async () => {
    const two = await packages(bobDev, 2)
    const last = (await keyPackage(bobDev)).b64
    expect(await bob.request('keypackages', { packages: two, lastResort: last })).toEqual(
      expect.objectContaining({ device: 'bob-laptop', available: 2, lastResort: true }),
    )

    const good = (await keyPackage(bobDev)).b64
    const otherUser = (
      await keyPackage(bobDev, { identity: credentialIdentity('alice', 'bob-laptop') })
    ).b64
    const otherDevice = (
      await keyPackage(bobDev, { identity: credentialIdentity('bob', 'bob-phone01') })
    ).b64
    const otherKey = (await keyPackage(bobDev, { keys: (await newDevice('bob', 'x')).keys })).b64
    for (const [bad, why] of [
      [otherUser, 'credential'],
      [otherDevice, 'credential'],
      [otherKey, 'signature key'],
      ['QUJDRA==', 'not an MLS KeyPackage'],
      ['QUJDRA', 'not an MLS KeyPackage'],
    ] as const) {
      const err = await refusal(bob.request('keypackages', { packages: [good, bad] }))
      expect(err.code).toBe('CHATHUB_E2E_KEYPACKAGE_INVALID')
      expect((err as { message?: string }).message).toContain('#1')
      expect((err as { message?: string }).message).toContain(why)
    }
    // A Welcome or an application message is not a KeyPackage either; neither is a last resort of alice's.
    expect(
      (
        await refusal(
          bob.request('keypackages', {
            packages: [],
            lastResort: (await keyPackage(aliceDev)).b64,
          }),
        )
      ).code,
    ).toBe('CHATHUB_E2E_KEYPACKAGE_INVALID')
    // Nothing of the refused frames was stored: still 2 one-time packages.
    expect(await bob.request('keypackages', { packages: [] })).toMatchObject({
      available: 2,
      lastResort: true,
    })
  })

  test('a device holds at most MAX_ONE_TIME one-time packages; without a device nothing is published', async () => {
    const carol = await h.connect('carol')
    const carolDev = await newDevice('carol', 'carol-laptop')
    expect(
      (
        await refusal(
          carol.request('keypackages', { packages: [(await keyPackage(carolDev)).b64] }),
        )
      ).code,
    ).toBe('CHATHUB_E2E_DEVICE_REQUIRED')
    await bindDevice(carol, carolDev)
    const many = await packages(carolDev, MAX_ONE_TIME)
    expect(await carol.request('keypackages', { packages: many })).toMatchObject({
      available: MAX_ONE_TIME,
      lastResort: false,
    })
    const err = await refusal(
      carol.request('keypackages', { packages: [(await keyPackage(carolDev)).b64] }),
    )
    expect(err.code).toBe('CHATHUB_E2E_KEYPACKAGES_FULL')
  })
})

describe('claiming KeyPackages', () => {
  test('one per device: one-time ones first (then gone), then the last-resort one (kept); low water is told', async () => {
    // dave has two devices; one publishes 11 one-time packages and a last resort, the other nothing.
    const dave = await h.connect('dave')
    const daveDev = await newDevice('dave', 'dave-laptop')
    await bindDevice(dave, daveDev)
    const daveOther = await h.connect('dave')
    await bindDevice(daveOther, await newDevice('dave', 'dave-phone1'))
    const oneTime = await packages(daveDev, LOW_WATER + 1)
    const lastResort = (await keyPackage(daveDev)).b64
    await dave.request('keypackages', { packages: oneTime, lastResort })
    await alice.request('invite', { room: 'vault', user: 'dave' })

    const first = await alice.request('claim', { room: 'vault', user: 'dave' })
    expect(first).toMatchObject({ room: 'vault', user: 'dave', missing: ['dave-phone1'] })
    expect(first.packages).toEqual([{ device: 'dave-laptop', data: oneTime[0] }])
    // 10 left: not low yet. The next claim leaves 9: dave's laptop connection hears it, the phone does not.
    const second = await alice.request('claim', { room: 'vault', user: 'dave' })
    expect(second.packages[0]?.data).toBe(oneTime[1])
    expect(await dave.next('keypackages.low')).toEqual({
      type: 'keypackages.low',
      device: 'dave-laptop',
      available: LOW_WATER - 1,
    })
    for (let i = 2; i <= LOW_WATER; i++)
      await alice.request('claim', { room: 'vault', user: 'dave' })
    // Every one-time package is gone: the last resort, again and again.
    for (let i = 0; i < 2; i++) {
      const out = await alice.request('claim', { room: 'vault', user: 'dave' })
      expect(out.packages).toEqual([{ device: 'dave-laptop', data: lastResort }])
    }
    expect(await dave.request('keypackages', { packages: [] })).toMatchObject({
      available: 0,
      lastResort: true,
    })
    // The phone's connection heard no `keypackages.low` (a sentinel: its own `devices` listing).
    await daveOther.request('devices', { user: 'dave' })
    expect(daveOther.drain().filter((f) => f.type === 'keypackages.low')).toEqual([])
  })

  test('a claim for oneself skips the claiming device (adding one’s own new devices)', async () => {
    const mine = await alice.request('claim', { room: 'vault', user: 'alice' })
    expect(mine).toMatchObject({ packages: [], missing: [] })
  })

  test('refused: not a member, not an E2E room, a user neither member nor invited, no device', async () => {
    // bob is not a member of the private room: it does not exist for him.
    expect((await refusal(bob.request('claim', { room: 'vault', user: 'alice' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    await alice.request('create', { room: 'open-e2e', e2e: true })
    expect((await refusal(bob.request('claim', { room: 'open-e2e', user: 'alice' }))).code).toBe(
      'CHATHUB_ROOM_NOT_MEMBER',
    )
    await alice.request('create', { room: 'clear' })
    expect((await refusal(alice.request('claim', { room: 'clear', user: 'alice' }))).code).toBe(
      'CHATHUB_E2E_NOT_E2E_ROOM',
    )
    // bob is neither a member nor invited in vault: his packages are not alice's to drain.
    expect((await refusal(alice.request('claim', { room: 'vault', user: 'bob' }))).code).toBe(
      'CHATHUB_FORBIDDEN',
    )
    expect((await refusal(alice.request('claim', { room: 'vault', user: 'nobody' }))).code).toBe(
      'CHATHUB_USER_NOT_FOUND',
    )
    const noDevice = await h.connect('alice')
    expect((await refusal(noDevice.request('claim', { room: 'vault', user: 'alice' }))).code).toBe(
      'CHATHUB_E2E_DEVICE_REQUIRED',
    )
    // Nothing of bob's was taken.
    expect(await bob.request('keypackages', { packages: [] })).toMatchObject({ available: 2 })
  })

  test('claims are rate-limited per account, with retryAfter', async () => {
    const erin = await h.connect('erin')
    await bindDevice(erin, await newDevice('erin', 'erin-laptop'))
    await erin.request('create', { room: 'erin-room', e2e: true })
    for (let i = 0; i < CLAIMS_PER_MINUTE; i++)
      await erin.request('claim', { room: 'erin-room', user: 'erin' })
    const err = await refusal(erin.request('claim', { room: 'erin-room', user: 'erin' }))
    expect(err.code).toBe('CHATHUB_E2E_CLAIM_RATE_LIMITED')
    expect(err.retryAfter).toBeGreaterThan(0)
    // Another account is not held back by erin's claims.
    expect(await alice.request('claim', { room: 'vault', user: 'alice' })).toMatchObject({
      room: 'vault',
    })
  })
})
