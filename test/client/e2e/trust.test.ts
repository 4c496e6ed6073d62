// Device trust: the rules over a user's device list, pinning, and the AuthenticationService that
// makes every device of a group refuse a device nobody vouched for, which is how a hub slipping its
// own device into the KeyPackage directory is caught.
import { expect, test } from 'vitest'
import { toBase64 } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { Device, verifyVouch } from '#core/client/e2e/device'
import { RoomGroup } from '#core/client/e2e/group'
import { makeKeyPackages } from '#core/client/e2e/key-packages'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import { DeviceTrust, assessDevices } from '#core/client/e2e/trust'
import { FakeHub, catchUp, commitNow, groupOf, joinFromWelcome, newDevice } from './fake-hub.ts'

const newGroupId = () => globalThis.crypto.getRandomValues(new Uint8Array(16))

const viewOf = (d: Device, extra: Partial<DeviceView> = {}): DeviceView => ({
  device: d.id,
  name: d.name,
  key: toBase64(d.publicKey),
  first: false,
  createdAt: 0,
  ...extra,
})

/** A client that trusts every credential: a member's device that is compromised, or a modified client. */
class TrustingEveryone extends DeviceTrust {
  override async trusts(): Promise<boolean> {
    return true
  }
}

/** The hub lists a device of its own under `user` (no vouch: it cannot sign one) and publishes its KeyPackages. */
const slipInDevice = async (hub: FakeHub, user: string, packages = 1): Promise<Device> => {
  const evil = await Device.create('totally alice')
  hub.forge(user, viewOf(evil, { createdAt: Date.now() }))
  hub.publish(user, evil.id, (await makeKeyPackages(user, evil, packages)).packages)
  return evil
}

test('the first device is trusted on first use, vouches chain, anything else is unvouched', async () => {
  const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => Device.create(n)))
  // Device ids: 128 random bits as 22 URL-safe characters, all different.
  expect(new Set([a, b, c, d, e].map((x) => x!.id)).size).toBe(5)
  for (const x of [a, b, c, d, e]) expect(x!.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
  const views = [
    viewOf(a!, { first: true }),
    viewOf(b!, { vouch: await a!.vouchFor('alice', b!.id, b!.publicKey) }),
    viewOf(c!, { vouch: await b!.vouchFor('alice', c!.id, c!.publicKey) }),
    // A vouch signed for another key, and one by a device nobody trusts.
    viewOf(d!, { vouch: await a!.vouchFor('alice', d!.id, e!.publicKey) }),
    viewOf(e!, { vouch: await d!.vouchFor('alice', e!.id, e!.publicKey) }),
  ]
  expect((await assessDevices('alice', views)).map((x) => [x.status, x.by])).toEqual([
    ['first_use', undefined],
    ['vouched', a!.id],
    ['vouched', b!.id],
    ['unvouched', undefined],
    ['unvouched', undefined],
  ])
  // A vouch is bound to the account: the same signature does not vouch for bob's device.
  expect(await verifyVouch('bob', views[1]!, views[0]!)).toBe(false)
  expect(await verifyVouch('alice', views[1]!, views[0]!)).toBe(true)
  // A hub marking two devices first gets neither trusted; nor a device listed twice.
  expect(
    (await assessDevices('alice', [views[0]!, viewOf(b!, { first: true })])).map((x) => x.status),
  ).toEqual(['unvouched', 'unvouched'])
  expect((await assessDevices('alice', [views[0]!, views[0]!])).map((x) => x.status)).toEqual([
    'unvouched',
    'unvouched',
  ])
})

test('pinning: later changes are reported, a changed key is refused loudly, a new "first" device is not believed', async () => {
  const store = new MemoryDeviceStore()
  const me = await Device.create('me')
  const [a, b, evil] = await Promise.all([
    Device.create('a'),
    Device.create('b'),
    Device.create('evil'),
  ])
  let listed: DeviceView[] = [viewOf(a!, { first: true })]
  const trust = new DeviceTrust({
    store,
    directory: async () => listed,
    self: { user: 'me', device: me },
  })

  expect((await trust.review('alice')).changes).toMatchObject({
    firstSight: true,
    added: [],
    removed: [],
  })
  listed = [...listed, viewOf(b!, { vouch: await a!.vouchFor('alice', b!.id, b!.publicKey) })]
  expect((await trust.review('alice')).changes).toMatchObject({
    firstSight: false,
    added: [{ device: b!.id, status: 'vouched' }],
  })

  // The hub now claims a device of its own is alice's first, and drops her real first device.
  listed = [viewOf(b!), viewOf(evil!, { first: true })]
  const review = await trust.review('alice')
  expect(review.changes).toMatchObject({
    added: [{ device: evil!.id, status: 'unvouched' }],
    removed: [a!.id],
  })
  expect(review.devices.find((d) => d.device === b!.id)?.status).toBe('vouched')
  expect(await trust.trusts('alice', evil!.id, evil!.publicKey)).toBe(false)
  expect(await trust.trusts('alice', b!.id, b!.publicKey)).toBe(true)

  // Same device id, another key: refused, and the pins stay as they were.
  const pinsBefore = await store.loadPins('alice')
  listed = [viewOf(b!, { key: toBase64(evil!.publicKey) })]
  await expect(trust.review('alice')).rejects.toMatchObject({
    code: 'E2E_DEVICE_KEY_CHANGED',
    details: { devices: [b!.id] },
  })
  expect(await store.loadPins('alice')).toEqual(pinsBefore)
  await expect(trust.trusts('alice', b!.id, evil!.publicKey)).rejects.toMatchObject({
    code: 'E2E_DEVICE_KEY_CHANGED',
  })
  // Until the user compares safety numbers and accepts the change.
  listed = [viewOf(b!, { key: toBase64(evil!.publicKey), first: true })]
  expect((await trust.acceptChanges('alice')).devices).toMatchObject([
    { device: b!.id, status: 'first_use' },
  ])
})

test('an honest member refuses to add a device the hub slipped into the directory, and adds a vouched one', async () => {
  const hub = new FakeHub()
  const laptop = await newDevice(hub, 'alice')
  const bob = await newDevice(hub, 'bob')
  bob.group = await RoomGroup.create(bob.ctx, newGroupId())
  await commitNow(hub, bob, { add: hub.claim('alice') })
  await joinFromWelcome(hub, laptop)

  const evil = await slipInDevice(hub, 'alice')
  const stateBefore = groupOf(bob).encode()
  await expect(groupOf(bob).proposeCommit({ add: hub.claim('alice') })).rejects.toMatchObject({
    code: 'E2E_UNVOUCHED_DEVICE',
    details: { devices: [{ user: 'alice', device: evil.id }] },
  })
  expect(groupOf(bob).pending).toBeUndefined()
  expect(groupOf(bob).encode()).toEqual(stateBefore)

  const phone = await newDevice(hub, 'alice', { vouchedBy: laptop, packages: 1 })
  // A KeyPackage naming alice's real new device, signed with a key that is not that device's.
  const impostor = Device.fromJSON({ ...evil.toJSON(), id: phone.device.id })
  const [forged] = (await makeKeyPackages('alice', impostor, 1)).packages
  await expect(groupOf(bob).proposeCommit({ add: [forged!] })).rejects.toMatchObject({
    code: 'E2E_UNVOUCHED_DEVICE',
    details: { devices: [{ user: 'alice', device: phone.device.id }] },
  })

  await commitNow(hub, bob, { add: hub.claim('alice', [phone.device.id]) })
  await joinFromWelcome(hub, phone)
  expect(await catchUp(hub, laptop)).toMatchObject([
    { kind: 'commit', added: [{ user: 'alice', device: phone.device.id }] },
  ])
})

test('a Commit adding an unvouched device is refused by every other member, and changes nothing there', async () => {
  const hub = new FakeHub()
  const laptop = await newDevice(hub, 'alice')
  const bob = await newDevice(hub, 'bob')
  const mallory = await newDevice(hub, 'mallory', { Trust: TrustingEveryone })
  laptop.group = await RoomGroup.create(laptop.ctx, newGroupId())
  await commitNow(hub, laptop, { add: [...hub.claim('bob'), ...hub.claim('mallory')] })
  await joinFromWelcome(hub, bob)
  await joinFromWelcome(hub, mallory)

  const evil = await slipInDevice(hub, 'alice')
  const pending = await commitNow(hub, mallory, { add: hub.claim('alice', [evil.id]) })
  for (const d of [laptop, bob]) {
    const before = groupOf(d).encode()
    await expect(groupOf(d).process(pending.commit)).rejects.toMatchObject({
      code: 'E2E_CANNOT_DECRYPT',
      details: { reason: 'unvouched_device', devices: [{ user: 'alice', device: evil.id }] },
    })
    expect(groupOf(d).encode()).toEqual(before)
  }

  // Whoever the malicious member invites next is refused the group too: its tree holds the device.
  const carol = await newDevice(hub, 'carol')
  await commitNow(hub, mallory, { add: hub.claim('carol') })
  await expect(joinFromWelcome(hub, carol)).rejects.toMatchObject({
    code: 'E2E_UNVOUCHED_DEVICE',
    details: { devices: [{ user: 'alice', device: evil.id }] },
  })
})
