// Files on both sides of end-to-end encryption: attachments encrypted under their own key (and
// caught when altered), and the device's key store as a file: private, atomic, and read back whole.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { toBase64 } from '#core/protocol/e2e'
import { Device } from '#core/client/e2e/device'
import { decryptFile, encryptFile } from '#core/client/e2e/file-crypto'
import { RoomGroup } from '#core/client/e2e/group'
import { FileDeviceStore } from '#core/client/e2e/store-file'
import { FakeHub, commitNow, groupOf, joinFromWelcome, newDevice } from './fake-hub.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chathub-e2e-'))
  return () => rmSync(dir, { recursive: true, force: true })
})

test('a file round-trips under its own key, and any change to it, its key or its hash is caught', async () => {
  const plaintext = new Uint8Array(100_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff)
  const sealed = await encryptFile(plaintext)
  expect(sealed.data.length).toBe(plaintext.length + 12 + 16)
  expect(await decryptFile(sealed.data, sealed.key, sealed.sha256)).toEqual(plaintext)
  // A fresh key every time, so the same file never looks the same twice.
  expect((await encryptFile(plaintext)).key).not.toBe(sealed.key)

  const tampered = sealed.data.slice()
  tampered[500]! ^= 0x80
  const otherKey = toBase64(globalThis.crypto.getRandomValues(new Uint8Array(32)))
  const otherHash = (await encryptFile(new Uint8Array([1]))).sha256
  for (const [data, key, hash] of [
    [tampered, sealed.key, sealed.sha256],
    [sealed.data.subarray(0, 40), sealed.key, sealed.sha256],
    [sealed.data, otherKey, sealed.sha256],
    [sealed.data, sealed.key, otherHash],
    [sealed.data, 'not-a-key', sealed.sha256],
  ] as const) {
    await expect(decryptFile(data, key, hash)).rejects.toMatchObject({ code: 'E2E_FILE_CORRUPT' })
  }
})

test('the file store is private (0600 in a 0700 folder), written atomically, and a reload gives everything back', async () => {
  const file = join(dir, 'keys', 'e2e.json')
  const hub = new FakeHub()
  const store = new FileDeviceStore(file)
  const alice = await newDevice(hub, 'alice', { store })
  const bob = await newDevice(hub, 'bob')
  alice.group = await RoomGroup.create(
    alice.ctx,
    globalThis.crypto.getRandomValues(new Uint8Array(16)),
  )
  await commitNow(hub, alice, { add: hub.claim('bob') })
  await joinFromWelcome(hub, bob)
  await store.saveKeyPackages(alice.kept)
  await store.saveGroup('room', groupOf(alice).encode())
  await alice.trust.review('bob')

  expect(statSync(file).mode & 0o777).toBe(0o600)
  expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700)
  expect(readdirSync(join(dir, 'keys'))).toEqual(['e2e.json'])

  // Another process (a new store on the same file) reads what this one wrote.
  const reloaded = new FileDeviceStore(file)
  const device = Device.fromJSON(await reloaded.loadDevice())
  expect(device.id).toBe(alice.device.id)
  expect(device.publicKey).toEqual(alice.device.publicKey)
  expect(await reloaded.loadKeyPackages()).toEqual(alice.kept)
  expect(await reloaded.loadPins('bob')).toEqual(await store.loadPins('bob'))
  const group = RoomGroup.decode({ ...alice.ctx, device }, await reloaded.loadGroup('room'))
  expect(group.epoch).toBe(groupOf(alice).epoch)
  const message = await group.encrypt(new TextEncoder().encode('after the reload'))
  expect(await groupOf(bob).process(message)).toMatchObject({
    kind: 'application',
    sender: { user: 'alice' },
  })

  // Writes from both stores land; neither loses the other's.
  await Promise.all([reloaded.saveGroup('other', groupOf(bob).encode()), store.saveKeyPackages([])])
  expect(Object.keys((await new FileDeviceStore(file).loadGroup('other')) ?? {})).toContain('state')
  expect(await new FileDeviceStore(file).loadKeyPackages()).toEqual([])
  await reloaded.saveGroup('other', undefined)
  expect(await store.loadGroup('other')).toBeUndefined()
  expect(statSync(file).mode & 0o777).toBe(0o600)
})

test('a damaged store file is reported, not replaced', async () => {
  const file = join(dir, 'e2e.json')
  writeFileSync(file, '{"v":1,', { mode: 0o600 })
  await expect(new FileDeviceStore(file).loadDevice()).rejects.toMatchObject({
    code: 'E2E_STATE_INVALID',
  })
  const device = await Device.create('x')
  await expect(new FileDeviceStore(file).saveDevice(device.toJSON())).rejects.toMatchObject({
    code: 'E2E_STATE_INVALID',
  })
  writeFileSync(file, JSON.stringify({ v: 1, keyPackages: 'no', groups: {}, pins: {} }))
  await expect(new FileDeviceStore(file).loadKeyPackages()).rejects.toMatchObject({
    code: 'E2E_STATE_INVALID',
  })
  expect(() => Device.fromJSON({ ...device.toJSON(), id: 'x' })).toThrow(
    expect.objectContaining({ code: 'E2E_STATE_INVALID' }),
  )
  const { ctx } = await newDevice(new FakeHub(), 'x')
  for (const stored of [
    { v: 1 },
    { v: 1, suite: 1, state: toBase64(new Uint8Array([1, 2, 3])), joinedAt: 0 },
  ]) {
    expect(() => RoomGroup.decode(ctx, stored)).toThrow(
      expect.objectContaining({ code: 'E2E_STATE_INVALID' }),
    )
  }
})
