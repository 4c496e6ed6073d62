// A device's key store sealed under a passphrase, to move the device to a new machine (`chathub
// devices export/import`, docs/e2e.md "Moving to a new machine"). Node only (node:crypto and the
// native @node-rs/argon2): never imported by what the browser loads. The file is three lines:
//   chathub-device-export 1                      magic and format version
//   {"user":…,"hub":…,"device":…,"kdf":…,…}      header (JSON): whose device, how the key is derived
//   <base64>                                     AES-256-GCM ciphertext of the store, then its tag
// The key comes from argon2id (RFC 9106) over the passphrase with a random salt; the first two
// lines, byte for byte, are the cipher's additional data, so an altered header fails to decrypt.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import { hashRaw } from '@node-rs/argon2'
import { type Static, Type } from '#typebox'
import { DeviceId } from '#core/protocol/messages'
import { compile } from '#core/schema/validator'
import { e2eErrors } from './errors.ts'
import { type DeviceStoreData, storeDataChecker } from './store.ts'

export const EXPORT_MAGIC = 'chathub-device-export'
export const EXPORT_VERSION = 1
/** Shorter passphrases are refused: the file holds private keys and can be attacked offline. */
export const MIN_PASSPHRASE_LENGTH = 12

/**
 * argon2id's cost: 64 MiB, 3 passes, one lane (RFC 9106 §4's second recommended option, with one
 * lane: the CLI runs one derivation at a time). Stored in the header, so it can rise later.
 */
export const DEFAULT_KDF = { memoryKiB: 65_536, passes: 3, parallelism: 1 }
/** What a file may ask for (a forged header must not make the importer allocate gigabytes). */
const KDF_LIMITS = { memoryKiB: 1_048_576, passes: 20, parallelism: 4 }
/** AES-GCM's recommended nonce length (NIST SP 800-38D §8.2) and its full tag. */
const IV_BYTES = 12
const TAG_BYTES = 16
const SALT_BYTES = 16
/** @node-rs/argon2's Algorithm.Argon2id (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2
/** A check value beside the ciphertext, so that a wrong passphrase is told apart from an altered file. */
const CHECK_BYTES = 16

const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' })

export const ExportHeader = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    /** The hub the device is registered with (the CLI's server URL at export). */
    hub: Type.String({ minLength: 1, maxLength: 512 }),
    device: DeviceId,
    createdAt: Type.Integer({ minimum: 0 }),
    kdf: Type.Object({
      name: Type.Literal('argon2id'),
      memoryKiB: Type.Integer({ minimum: 8, maximum: KDF_LIMITS.memoryKiB }),
      passes: Type.Integer({ minimum: 1, maximum: KDF_LIMITS.passes }),
      parallelism: Type.Integer({ minimum: 1, maximum: KDF_LIMITS.parallelism }),
      salt: Base64,
    }),
    cipher: Type.Object({ name: Type.Literal('aes-256-gcm'), iv: Base64 }),
    /** HMAC-SHA256 of a fixed label under a key derived beside the cipher's key, truncated. */
    check: Base64,
  },
  { additionalProperties: false },
)
export type ExportHeader = Static<typeof ExportHeader>
const headerChecker = compile(ExportHeader)

/** An export's first two lines, as read before the passphrase is asked for. */
export interface ParsedExport {
  header: ExportHeader
  /** The bytes the cipher authenticates (magic line, newline, header line). */
  aad: Buffer
  ciphertext: Buffer
}

export interface OpenedExport {
  header: ExportHeader
  /** The device store as it was exported (never marked moved). */
  data: DeviceStoreData
}

/** E2E_EXPORT_PASSPHRASE_TOO_SHORT for a passphrase under MIN_PASSPHRASE_LENGTH characters. */
export const checkPassphrase = (passphrase: string): void => {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH)
    throw e2eErrors.exportPassphraseTooShort(MIN_PASSPHRASE_LENGTH)
}

/** Seal a device store (with a device) for `owner` under `passphrase`: the export file's bytes. */
export const sealDeviceExport = async (
  data: DeviceStoreData,
  owner: { user: string; hub: string },
  passphrase: string,
  options: { kdf?: typeof DEFAULT_KDF; now?: number } = {},
): Promise<Buffer> => {
  checkPassphrase(passphrase)
  if (!data.device) throw e2eErrors.stateInvalid('no device in the store to export')
  const { moved: _moved, ...store } = data
  const cost = options.kdf ?? DEFAULT_KDF
  const salt = randomBytes(SALT_BYTES)
  const iv = randomBytes(IV_BYTES)
  const keys = await deriveKeys(passphrase, { ...cost, salt })
  const header: ExportHeader = {
    user: owner.user,
    hub: owner.hub,
    device: data.device.id,
    createdAt: options.now ?? Date.now(),
    kdf: { name: 'argon2id', ...cost, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
    check: keys.check.toString('base64'),
  }
  const aad = Buffer.from(`${EXPORT_MAGIC} ${EXPORT_VERSION}\n${JSON.stringify(header)}`, 'utf8')
  const cipher = createCipheriv('aes-256-gcm', keys.cipher, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const sealed = Buffer.concat([
    cipher.update(JSON.stringify(store), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  return Buffer.concat([aad, Buffer.from(`\n${sealed.toString('base64')}\n`, 'utf8')])
}

/** Read an export's format and header (no passphrase needed); E2E_EXPORT_INVALID when it is not one. */
export const parseDeviceExport = (bytes: Uint8Array): ParsedExport => {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  const [magic, headerLine, body, ...rest] = text.split('\n')
  const magicWords = magic?.split(' ')
  if (magicWords?.[0] !== EXPORT_MAGIC)
    throw e2eErrors.exportInvalid('it does not start with "chathub-device-export"')
  if (magicWords[1] !== String(EXPORT_VERSION) || magicWords.length !== 2)
    throw e2eErrors.exportInvalid(
      `format version "${magicWords.slice(1).join(' ')}" is not one this chathub reads (${EXPORT_VERSION})`,
    )
  if (headerLine === undefined || body === undefined || rest.some((line) => line !== ''))
    throw e2eErrors.exportInvalid('it is cut short or has extra lines')
  let header: unknown
  try {
    header = JSON.parse(headerLine)
  } catch (err) {
    throw e2eErrors.exportInvalid('its header is not JSON', err)
  }
  if (!headerChecker.check(header))
    throw e2eErrors.exportInvalid(
      `its header is wrong (${headerChecker.problems().slice(0, 3).join('; ')})`,
    )
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body))
    throw e2eErrors.exportInvalid('its contents are not base64')
  const ciphertext = Buffer.from(body, 'base64')
  if (ciphertext.length <= TAG_BYTES) throw e2eErrors.exportInvalid('its contents are cut short')
  return { header, aad: Buffer.from(`${magic}\n${headerLine}`, 'utf8'), ciphertext }
}

/**
 * Open an export for `expect.user`: E2E_EXPORT_INVALID (not an export, altered or damaged),
 * E2E_EXPORT_WRONG_ACCOUNT (another user's device), E2E_EXPORT_PASSPHRASE_WRONG.
 */
export const openDeviceExport = async (
  bytes: Uint8Array,
  passphrase: string,
  expect: { user: string },
): Promise<OpenedExport> => {
  const { header, aad, ciphertext } = parseDeviceExport(bytes)
  if (header.user !== expect.user)
    throw e2eErrors.exportWrongAccount(
      `it is a device of ${header.user}, and you are logged in as ${expect.user}`,
    )
  const { kdf, cipher } = header
  const iv = Buffer.from(cipher.iv, 'base64')
  const salt = Buffer.from(kdf.salt, 'base64')
  if (iv.length !== IV_BYTES || salt.length < 8)
    throw e2eErrors.exportInvalid('its header is wrong (nonce or salt length)')
  const keys = await deriveKeys(passphrase, { ...kdf, salt })
  const check = Buffer.from(header.check, 'base64')
  if (check.length !== CHECK_BYTES || !timingSafeEqual(check, keys.check))
    throw e2eErrors.exportPassphraseWrong()
  let plaintext: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.cipher, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(ciphertext.subarray(-TAG_BYTES))
    plaintext = Buffer.concat([
      decipher.update(ciphertext.subarray(0, -TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch (err) {
    throw e2eErrors.exportInvalid(
      'it was altered or damaged (its contents do not authenticate)',
      err,
    )
  }
  let data: unknown
  try {
    data = JSON.parse(plaintext)
  } catch (err) {
    throw e2eErrors.exportInvalid('its contents are not a device store', err)
  }
  if (!storeDataChecker.check(data))
    throw e2eErrors.exportInvalid(
      `its device store is wrong (${storeDataChecker.problems().slice(0, 3).join('; ')})`,
    )
  if (data.device?.id !== header.device)
    throw e2eErrors.exportInvalid('its device is not the one its header names')
  const { moved: _moved, ...store } = data
  return { header, data: store }
}

/**
 * The cipher key and the check value: argon2id gives a 32-byte secret, HMAC-SHA256 separates the
 * two uses (so the check stored in the clear says nothing about the cipher key).
 */
const deriveKeys = async (
  passphrase: string,
  cost: { memoryKiB: number; passes: number; parallelism: number; salt: Uint8Array },
): Promise<{ cipher: Buffer; check: Buffer }> => {
  const secret = await hashRaw(Buffer.from(passphrase.normalize('NFC'), 'utf8'), {
    algorithm: ARGON2ID,
    memoryCost: cost.memoryKiB,
    timeCost: cost.passes,
    parallelism: cost.parallelism,
    outputLen: 32,
    salt: cost.salt,
  })
  const derive = (label: string) => createHmac('sha256', secret).update(label).digest()
  return {
    cipher: derive('chathub-device-export-v1 cipher'),
    check: derive('chathub-device-export-v1 check').subarray(0, CHECK_BYTES),
  }
}
