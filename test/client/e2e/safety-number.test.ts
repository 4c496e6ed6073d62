// Safety numbers and verification: one number from either side over both users' trusted devices,
// whatever order the hub lists them in, another one as soon as a device or a key changes; and a
// verified contact whose trusted devices change is reported with what changed.
import { expect, test } from 'vitest'
import { toBase64 } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { Device } from '#core/client/e2e/device'
import {
  formatSafetyNumber,
  normalizeSafetyNumber,
  safetyNumber,
  type SafetyParty,
} from '#core/client/e2e/safety-number'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import { brokenVerification, checkSafety, confirmSafety } from '#core/client/e2e/verification'

/** A fixed key: byte i of key n is n * 16 + i (mod 256). */
const key = (n: number): string => toBase64(new Uint8Array(32).map((_, i) => (n * 16 + i) & 0xff))

const alice: SafetyParty = {
  user: 'alice',
  devices: [
    { device: 'aliceLaptop00000000000', key: key(1) },
    { device: 'alicePhone000000000000', key: key(2) },
  ],
}
/** Computed independently (node:crypto's SHA-512 over the same encoding) when the derivation was written. */
const KNOWN_ANSWER = '858671157334560008228570535892771350952874332292712659072851'

const bob: SafetyParty = {
  user: 'bob',
  devices: [{ device: 'bobDesktop000000000000', key: key(3) }],
}

test('the same 60 digits from both sides, in any device order; 12 groups of 5 for people', () => {
  const number = safetyNumber(alice, bob)
  expect(number).toMatch(/^\d{60}$/)
  expect(safetyNumber(bob, alice)).toBe(number)
  expect(safetyNumber({ ...alice, devices: [...alice.devices].reverse() }, bob)).toBe(number)
  // The derivation is fixed (other clients, the browser, compute the same): a known answer.
  expect(number).toBe(KNOWN_ANSWER)
  const lines = formatSafetyNumber(number)
  expect(lines).toHaveLength(2)
  for (const line of lines) expect(line).toMatch(/^(\d{5} ){5}\d{5}$/)
  expect(normalizeSafetyNumber(` ${lines.join('\n')} `)).toBe(number)
})

test('a changed key, an added or removed device, or another user gives another number', () => {
  const number = safetyNumber(alice, bob)
  const variants: [SafetyParty, SafetyParty][] = [
    [{ ...alice, devices: [alice.devices[0]!, { ...alice.devices[1]!, key: key(9) }] }, bob],
    [{ ...alice, devices: [alice.devices[0]!] }, bob],
    [
      alice,
      { ...bob, devices: [...bob.devices, { device: 'bobPhone00000000000000', key: key(4) }] },
    ],
    [alice, { ...bob, user: 'bobby' }],
    // The same keys under other device ids.
    [
      {
        ...alice,
        devices: alice.devices.map((d, i) => ({ ...d, key: alice.devices[1 - i]!.key })),
      },
      bob,
    ],
  ]
  const numbers = variants.map(([a, b]) => safetyNumber(a, b))
  for (const other of numbers) expect(other).not.toBe(number)
  expect(new Set(numbers).size).toBe(numbers.length)
  // Only the changed side's half moves: the other user's 30 digits stay.
  expect(numbers[0]!.slice(0, 30)).not.toBe(number.slice(0, 30))
  expect(numbers[0]!.slice(30)).toBe(number.slice(30))
})

const viewOf = (d: Device, extra: Partial<DeviceView> = {}): DeviceView => ({
  device: d.id,
  name: d.name,
  key: toBase64(d.publicKey),
  first: false,
  createdAt: 0,
  ...extra,
})

test('alice and bob see the same number on their devices; a device bob adds later breaks the verification', async () => {
  const [laptop, desktop, phone, rogue] = await Promise.all(
    ['laptop', 'desktop', 'phone', 'rogue'].map((n) => Device.create(n)),
  )
  const aliceDevices = [viewOf(laptop!, { first: true })]
  let bobDevices = [viewOf(desktop!, { first: true }), viewOf(rogue!)]
  const aliceStore = new MemoryDeviceStore()
  const bobStore = new MemoryDeviceStore()

  const fromAlice = await checkSafety(
    aliceStore,
    { user: 'alice', devices: aliceDevices },
    { user: 'bob', devices: bobDevices },
  )
  const fromBob = await checkSafety(
    bobStore,
    { user: 'bob', devices: bobDevices },
    { user: 'alice', devices: aliceDevices },
  )
  expect(fromAlice.safetyNumber).toBe(fromBob.safetyNumber)
  expect(fromAlice.status).toBe('unverified')
  // The unvouched device is listed, not counted.
  expect(fromAlice.theirs.devices.map((d) => d.status)).toEqual(['first_use', 'unvouched'])
  expect(fromAlice.safetyNumber).toBe(
    safetyNumber(
      { user: 'alice', devices: [{ device: laptop!.id, key: toBase64(laptop!.publicKey) }] },
      { user: 'bob', devices: [{ device: desktop!.id, key: toBase64(desktop!.publicKey) }] },
    ),
  )

  const recorded = await confirmSafety(aliceStore, fromAlice, 1234)
  expect(recorded).toMatchObject({ at: 1234, safetyNumber: fromAlice.safetyNumber })
  expect(Object.keys(recorded.devices)).toEqual([desktop!.id])
  expect(await aliceStore.loadVerifications()).toEqual({ bob: recorded })
  expect(await brokenVerification(aliceStore, 'bob', bobDevices)).toBeUndefined()
  expect(
    (
      await checkSafety(
        aliceStore,
        { user: 'alice', devices: aliceDevices },
        { user: 'bob', devices: bobDevices },
      )
    ).status,
  ).toBe('verified')

  // Bob vouches for a phone: the verification is broken, and says what changed.
  bobDevices = [
    ...bobDevices,
    viewOf(phone!, { vouch: await desktop!.vouchFor('bob', phone!.id, phone!.publicKey) }),
  ]
  expect(await brokenVerification(aliceStore, 'bob', bobDevices)).toMatchObject({
    added: [{ device: phone!.id, name: 'phone', status: 'vouched' }],
    removed: [],
    keyChanged: [],
  })
  const broken = await checkSafety(
    aliceStore,
    { user: 'alice', devices: aliceDevices },
    { user: 'bob', devices: bobDevices },
  )
  expect(broken).toMatchObject({ status: 'broken', verification: { at: 1234 } })
  expect(broken.safetyNumber).not.toBe(fromAlice.safetyNumber)
  // Compared again and confirmed: verified with the phone.
  await confirmSafety(aliceStore, broken)
  expect(await brokenVerification(aliceStore, 'bob', bobDevices)).toBeUndefined()

  // The hub swaps the desktop's key: reported as a changed key (the pins are set aside for the number).
  const swapped = bobDevices.map((d) =>
    d.device === desktop!.id ? { ...d, key: toBase64(rogue!.publicKey) } : d,
  )
  expect(await brokenVerification(aliceStore, 'bob', swapped)).toMatchObject({
    keyChanged: [desktop!.id],
  })
  const afterSwap = await checkSafety(
    aliceStore,
    { user: 'alice', devices: aliceDevices },
    { user: 'bob', devices: swapped },
  )
  expect(afterSwap).toMatchObject({ status: 'broken', theirs: { replaced: [desktop!.id] } })
  // The phone's vouch was by the old key: with the new one it no longer verifies.
  expect(afterSwap.changes?.removed).toEqual([phone!.id])

  // A device removed; and a user never verified is not "broken".
  expect(
    await brokenVerification(
      aliceStore,
      'bob',
      bobDevices.filter((d) => d.device !== phone!.id),
    ),
  ).toMatchObject({
    removed: [phone!.id],
  })
  expect(await brokenVerification(aliceStore, 'carol', [])).toBeUndefined()
  await aliceStore.saveVerification('bob', undefined)
  expect(await aliceStore.loadVerifications()).toEqual({})
})
