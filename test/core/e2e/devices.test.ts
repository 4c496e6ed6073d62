// Devices of E2E rooms: register, bind, a key mismatch, vouches (valid, forged, from another account's
// device), the listing any user may read, rename and remove of one's own devices only, the `devices`
// event, and `create` with `e2e` only from a connection with a device.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, deviceBody, newDevice, vouchOf } from './mls-kit.ts'

let h: TestHub
beforeAll(async () => {
  h = await startHub()
})
afterAll(() => h.close())

describe('devices', () => {
  test('the first device is trusted on first use; the same device and key bind again; another key is refused', async () => {
    const alice = await h.connect('alice')
    const laptop = await newDevice('alice', 'alice-laptop')
    const first = await bindDevice(alice, laptop)
    expect(first).toMatchObject({
      device: 'alice-laptop',
      first: true,
      vouched: false,
      welcomes: [],
    })

    // A second connection binds the same device (same key): nothing new, still the first device.
    const again = await h.connect('alice')
    expect(await bindDevice(again, laptop)).toMatchObject({ device: 'alice-laptop', first: true })

    const impostor = await newDevice('alice', 'alice-laptop')
    expect((await refusal(bindDevice(again, impostor))).code).toBe(
      'CHATHUB_E2E_DEVICE_KEY_MISMATCH',
    )
    const listed = await alice.request('devices', { user: 'alice' })
    expect(listed.devices).toHaveLength(1)
    expect(listed.devices[0]).toMatchObject({
      device: 'alice-laptop',
      first: true,
      key: deviceBody(laptop).key,
    })

    // A key that is not 32 bytes is refused by shape.
    const short = { ...deviceBody(await newDevice('alice', 'alice-short1')), key: 'AAAA' }
    expect((await refusal(alice.request('device', short))).code).toBe('CHATHUB_FRAME_INVALID')
  })

  test('a new device vouched for by an existing one; forged and foreign vouches are refused', async () => {
    const bob = await h.connect('bob')
    const desk = await newDevice('bob', 'bob-desktop')
    await bindDevice(bob, desk)
    const phone = await newDevice('bob', 'bob-phone1')
    const phoneConn = await h.connect('bob')
    const vouched = await bindDevice(phoneConn, phone, await vouchOf(desk, phone))
    expect(vouched).toMatchObject({ device: 'bob-phone1', first: false, vouched: true })

    // The other connection of bob hears that his devices changed.
    expect(await bob.next('devices')).toEqual({ type: 'devices', user: 'bob' })

    // A signature over another key, a device of another account, an unknown device, itself: refused.
    const tablet = await newDevice('bob', 'bob-tablet')
    const forged = await vouchOf(desk, phone) // signs phone's key, not tablet's
    expect((await refusal(bindDevice(await h.connect('bob'), tablet, forged))).code).toBe(
      'CHATHUB_E2E_VOUCH_INVALID',
    )
    const carol = await newDevice('carol', 'carol-laptop')
    await bindDevice(await h.connect('carol'), carol)
    const foreign = await vouchOf(carol, { ...tablet, user: 'bob' })
    expect((await refusal(bindDevice(await h.connect('bob'), tablet, foreign))).code).toBe(
      'CHATHUB_E2E_VOUCH_INVALID',
    )
    const garbage = { by: 'bob-desktop', signature: 'QUJD' }
    expect((await refusal(bindDevice(await h.connect('bob'), tablet, garbage))).code).toBe(
      'CHATHUB_E2E_VOUCH_INVALID',
    )
    const self = { by: 'bob-tablet', signature: (await vouchOf(desk, tablet)).signature }
    expect((await refusal(bindDevice(await h.connect('bob'), tablet, self))).code).toBe(
      'CHATHUB_E2E_VOUCH_INVALID',
    )
    // Nothing of the refused ones was registered.
    expect((await bob.request('devices', { user: 'bob' })).devices.map((d) => d.device)).toEqual([
      'bob-desktop',
      'bob-phone1',
    ])

    // Registered without a vouch, vouched for later with `vouch`.
    const tabletConn = await h.connect('bob')
    expect(await bindDevice(tabletConn, tablet)).toMatchObject({ first: false, vouched: false })
    expect((await refusal(bob.request('vouch', { device: 'bob-tablet', ...forged }))).code).toBe(
      'CHATHUB_E2E_VOUCH_INVALID',
    )
    expect((await refusal(bob.request('vouch', { device: 'bob-nosuch1', ...forged }))).code).toBe(
      'CHATHUB_E2E_DEVICE_NOT_FOUND',
    )
    expect(
      await bob.request('vouch', { device: 'bob-tablet', ...(await vouchOf(phone, tablet)) }),
    ).toMatchObject({
      device: 'bob-tablet',
      by: 'bob-phone1',
    })
    const seen = (await h.connect('zed')).request('devices', { user: 'bob' })
    const tabletView = (await seen).devices.find((d) => d.device === 'bob-tablet')
    expect(tabletView).toMatchObject({ first: false, vouch: { by: 'bob-phone1' } })
    expect((await refusal(bob.request('devices', { user: 'nobody' }))).code).toBe(
      'CHATHUB_USER_NOT_FOUND',
    )
  })

  test('rename and remove only one’s own devices; a removed device unbinds its connections', async () => {
    const dave = await h.connect('dave')
    const one = await newDevice('dave', 'dave-one01')
    await bindDevice(dave, one)
    const other = await h.connect('erin')
    await bindDevice(other, await newDevice('erin', 'erin-one01'))

    expect(
      await dave.request('device.rename', { device: 'dave-one01', name: 'work laptop' }),
    ).toEqual(expect.objectContaining({ device: 'dave-one01', name: 'work laptop' }))
    // Another account's device id is not one of yours.
    expect(
      (await refusal(dave.request('device.rename', { device: 'erin-one01', name: 'x' }))).code,
    ).toBe('CHATHUB_E2E_DEVICE_NOT_FOUND')
    expect((await refusal(dave.request('device.remove', { device: 'erin-one01' }))).code).toBe(
      'CHATHUB_E2E_DEVICE_NOT_FOUND',
    )
    expect((await dave.request('devices', { user: 'dave' })).devices[0]?.name).toBe('work laptop')

    expect(await dave.request('device.remove', { device: 'dave-one01' })).toMatchObject({
      device: 'dave-one01',
    })
    expect((await dave.request('devices', { user: 'dave' })).devices).toEqual([])
    // The connection has no device any more: what needs one is refused.
    expect((await refusal(dave.request('keypackages', { packages: [] }))).code).toBe(
      'CHATHUB_E2E_DEVICE_REQUIRED',
    )
    // Registering again after removing every device: a first device again.
    expect(await bindDevice(dave, await newDevice('dave', 'dave-two02'))).toMatchObject({
      first: true,
    })
  })

  test('create with e2e needs a device; the ack and the room list carry the group', async () => {
    const frank = await h.connect('frank')
    expect((await refusal(frank.request('create', { room: 'secret', e2e: true }))).code).toBe(
      'CHATHUB_E2E_DEVICE_REQUIRED',
    )
    await bindDevice(frank, await newDevice('frank', 'frank-laptop'))
    const created = await frank.request('create', { room: 'secret', e2e: true, private: true })
    expect(created.e2e).toMatchObject({ suite: 1, epoch: 0 })
    expect(Buffer.from(created.e2e?.group ?? '', 'base64')).toHaveLength(16)
    const listed = await frank.rooms()
    expect(listed.rooms.find((r) => r.name === 'secret')?.e2e).toEqual(created.e2e)
    // A clear room has none.
    await frank.request('create', { room: 'plain' })
    expect((await frank.rooms()).rooms.find((r) => r.name === 'plain')?.e2e).toBeUndefined()
    // Another E2E room gets another group.
    const second = await frank.request('create', { room: 'secret2', e2e: true })
    expect(second.e2e?.group).not.toBe(created.e2e?.group)
  })
})
