// Moving a device: its store sealed under a passphrase (argon2id, AES-256-GCM) and opened again
// whole; a wrong passphrase, an altered byte, a short passphrase, another user's export and
// garbage each refused with their code; and the store left behind, marked moved, refusing to run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { Device } from '#core/client/e2e/device'
import {
  DEFAULT_KDF,
  EXPORT_MAGIC,
  openDeviceExport,
  parseDeviceExport,
  sealDeviceExport,
} from '#core/client/e2e/device-export'
import { type DeviceStoreData, emptyStoreData } from '#core/client/e2e/store'
import { FileDeviceStore } from '#core/client/e2e/store-file'

/** A cheaper argon2id than the default, for the tests that are not about its cost. */
const kdf = { memoryKiB: 8192, passes: 1, parallelism: 1 }
const passphrase = 'correct horse battery staple'
const owner = { user: 'alice', hub: 'http://127.0.0.1:8080' }

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chathub-export-'))
  return () => rmSync(dir, { recursive: true, force: true })
})

/** A decrypted message in a room's log (the log keeps whole MessageViews). */
const kept = { seq: 7, text: 'kept on the device' }

const storeWithDevice = async (): Promise<DeviceStoreData> => {
  const device = await Device.create('cli on old-laptop')
  return {
    ...emptyStoreData(),
    device: device.toJSON(),
    pins: {
      bob: {
        q1w2e3r4t5y6u7i8o9p0aa: { key: device.toJSON().publicKey, name: 'x', status: 'first_use' },
      },
    },
    rooms: { secret: { group: 'AAAA', suite: 1, processedSeq: 7, log: [kept] } },
    verified: {},
  }
}

/** The export with one byte of its base64 body changed (still base64). */
const flipBodyByte = (bytes: Buffer): Buffer => {
  const lines = bytes.toString('utf8').split('\n')
  const body = Buffer.from(lines[2]!, 'base64')
  body[10]! ^= 0x01
  lines[2] = body.toString('base64')
  return Buffer.from(lines.join('\n'))
}

test('a store round-trips under the default argon2id cost; the file says what it is, never the secrets', async () => {
  const data = await storeWithDevice()
  const sealed = await sealDeviceExport({ ...data, moved: { at: 1 } }, owner, passphrase, {
    now: 42,
  })
  const text = sealed.toString('utf8')
  expect(text.startsWith(`${EXPORT_MAGIC} 1\n`)).toBe(true)
  for (const secret of [data.device!.signKey, 'kept on the device', 'old-laptop'])
    expect(text).not.toContain(secret)
  const { header } = parseDeviceExport(sealed)
  expect(header).toMatchObject({
    user: 'alice',
    hub: owner.hub,
    device: data.device!.id,
    createdAt: 42,
    kdf: { name: 'argon2id', ...DEFAULT_KDF },
    cipher: { name: 'aes-256-gcm' },
  })
  const opened = await openDeviceExport(sealed, passphrase, { user: 'alice' })
  // Whole, and never marked moved (the mark is for the copy left behind).
  expect(opened.data).toEqual(data)
  // A fresh salt and nonce every time.
  const again = parseDeviceExport(await sealDeviceExport(data, owner, passphrase, { kdf }))
  expect(again.header.kdf.salt).not.toBe(header.kdf.salt)
  expect(again.header.cipher.iv).not.toBe(header.cipher.iv)
})

test('a wrong passphrase, an altered byte, a short passphrase and another user are refused with their codes', async () => {
  const data = await storeWithDevice()
  const sealed = await sealDeviceExport(data, owner, passphrase, { kdf })
  await expect(
    openDeviceExport(sealed, 'correct horse battery stapler', { user: 'alice' }),
  ).rejects.toMatchObject({
    code: 'E2E_EXPORT_PASSPHRASE_WRONG',
  })
  await expect(
    openDeviceExport(flipBodyByte(sealed), passphrase, { user: 'alice' }),
  ).rejects.toMatchObject({
    code: 'E2E_EXPORT_INVALID',
  })
  // The header is authenticated too: another hub written into it does not open.
  const otherHub = Buffer.from(sealed.toString('utf8').replace(owner.hub, 'http://127.0.0.1:9090'))
  await expect(openDeviceExport(otherHub, passphrase, { user: 'alice' })).rejects.toMatchObject({
    code: 'E2E_EXPORT_INVALID',
  })
  await expect(openDeviceExport(sealed, passphrase, { user: 'mallory' })).rejects.toMatchObject({
    code: 'E2E_EXPORT_WRONG_ACCOUNT',
  })
  for (const short of ['', 'eleven char', '12345678901']) {
    await expect(sealDeviceExport(data, owner, short, { kdf })).rejects.toMatchObject({
      code: 'E2E_EXPORT_PASSPHRASE_TOO_SHORT',
    })
  }
  expect((await sealDeviceExport(data, owner, 'twelve chars', { kdf })).length).toBeGreaterThan(0)
  await expect(
    sealDeviceExport(emptyStoreData(), owner, passphrase, { kdf }),
  ).rejects.toMatchObject({ code: 'E2E_STATE_INVALID' })
})

test('garbage is not an export: each refused as E2E_EXPORT_INVALID before any key is derived', async () => {
  const sealed = (
    await sealDeviceExport(await storeWithDevice(), owner, passphrase, { kdf })
  ).toString('utf8')
  const [magic, header, body] = sealed.split('\n') as [string, string, string]
  const withHeader = (change: (h: Record<string, unknown>) => void) => {
    const h = JSON.parse(header) as Record<string, unknown>
    change(h)
    return [magic, JSON.stringify(h), body, ''].join('\n')
  }
  const garbage = [
    '',
    'hello',
    '\u0000\u0001\u0002',
    JSON.stringify({ v: 1, keyPackages: [] }),
    `${EXPORT_MAGIC} 2\n${header}\n${body}\n`,
    `${EXPORT_MAGIC} 1\n${header}\n`,
    `${EXPORT_MAGIC} 1\n{"user":\n${body}\n`,
    `${EXPORT_MAGIC} 1\n${header}\nnot base64!\n`,
    `${EXPORT_MAGIC} 1\n${header}\nAAAA\n`,
    `${sealed}extra line\n`,
    withHeader((h) => {
      h.kdf = { ...(h.kdf as object), memoryKiB: 64 * 1024 * 1024 }
    }),
    withHeader((h) => {
      h.cipher = { name: 'chacha20', iv: 'AAAA' }
    }),
    withHeader((h) => {
      h.extra = true
    }),
  ]
  for (const text of garbage) {
    await expect(
      openDeviceExport(Buffer.from(text), passphrase, { user: 'alice' }),
      JSON.stringify(text.slice(0, 60)),
    ).rejects.toMatchObject({
      code: 'E2E_EXPORT_INVALID',
    })
  }
})

test('the store left behind: marked moved it has no device and refuses every write until replaced; an old store file still loads', async () => {
  const file = join(dir, 'e2e', 'alice@hub.json')
  const store = new FileDeviceStore(file)
  expect(await store.snapshot()).toBeUndefined()
  const data = await storeWithDevice()
  await store.replace(data)
  const snapshot = await store.snapshot()
  expect(snapshot).toEqual(data)

  // Another process wrote after the snapshot: the export would be behind, so nothing is marked.
  await new FileDeviceStore(file).saveKeyPackages([])
  await store.saveGroup('other', undefined)
  const fresh = await store.snapshot()
  await new FileDeviceStore(file).savePins('carol', {})
  await expect(store.markMoved(fresh!, { at: 5 })).rejects.toMatchObject({
    code: 'E2E_STORE_CHANGED',
  })
  expect(await store.loadDevice()).toEqual(data.device)

  const current = await store.snapshot()
  await store.markMoved(current!, { at: 5 })
  // Moved: it reads as a home without a device (its clear rooms keep working), and every write,
  // such as making a new device or keeping a message, is refused.
  expect(await new FileDeviceStore(file).loadDevice()).toBeUndefined()
  expect(await store.loadRoom('secret')).toBeUndefined()
  expect(await store.loadVerifications()).toEqual({})
  for (const use of [
    () => store.saveDevice(data.device!),
    () => store.saveVerification('bob', undefined),
    () => store.updateKeyPackages((kept) => kept),
  ]) {
    await expect(use()).rejects.toMatchObject({ code: 'E2E_DEVICE_MOVED', details: { at: 5 } })
  }
  expect((await store.snapshot())?.moved).toEqual({ at: 5 })
  await store.replace(data)
  expect(await store.loadDevice()).toEqual(data.device)

  // A store written before verification existed (no `verified`) loads, and takes one.
  writeFileSync(
    file,
    JSON.stringify({ v: 1, device: data.device, keyPackages: [], groups: {}, pins: {} }),
    { mode: 0o600 },
  )
  const old = new FileDeviceStore(file)
  expect(await old.loadVerifications()).toEqual({})
  expect(await old.loadVerification('bob')).toBeUndefined()
  const verification = { at: 1, safetyNumber: '1'.repeat(60), devices: {} }
  await old.saveVerification('bob', verification)
  expect(await new FileDeviceStore(file).loadVerification('bob')).toEqual(verification)
  expect(await new FileDeviceStore(file).loadDevice()).toEqual(data.device)
})
