// A device's identity in end-to-end encrypted rooms: a random id, a name, and the Ed25519 signature
// key pair behind every MLS credential it presents; and vouching, how one device of an account
// signs for another (docs/e2e.md, "Vouching"). Signatures come from ts-mls's cipher suite.
import { fromBase64, toBase64, vouchStatement } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { compile } from '#core/schema/validator'
import { e2eErrors } from './errors.ts'
import { StoredDevice } from './store.ts'
import { cipherSuite } from './suite.ts'

/** 16 random bytes: 128 bits, so ids never collide and cannot be guessed. */
const DEVICE_ID_BYTES = 16

/**
 * A new device id: 22 URL-safe base64 characters (what DeviceId in the protocol accepts), never
 * starting with "-" (`chathub devices vouch ID` would read it as a flag).
 */
export const newDeviceId = (): string =>
  toBase64(globalThis.crypto.getRandomValues(new Uint8Array(DEVICE_ID_BYTES)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
    .replace(/^-/, 'A')

/** A vouch as the `device` and `vouch` frames carry it. */
export interface Vouch {
  by: string
  /** Ed25519 signature over vouchStatement(user, device, key), base64. */
  signature: string
}

const storedDeviceChecker = compile(StoredDevice)

export class Device {
  private constructor(
    readonly id: string,
    readonly name: string,
    /** Ed25519 public key (32 bytes). */
    readonly publicKey: Uint8Array,
    /** Ed25519 private key as the suite makes it (PKCS#8, or 32 raw bytes without WebCrypto Ed25519). */
    readonly signKey: Uint8Array,
  ) {}

  /** A new device with a fresh id and signature key pair. */
  static async create(name: string): Promise<Device> {
    const { publicKey, signKey } = await (await cipherSuite()).signature.keygen()
    return new Device(newDeviceId(), name, publicKey, signKey)
  }

  /** The device as stored by toJSON; E2E_STATE_INVALID when it is not one. */
  static fromJSON(stored: unknown): Device {
    if (!storedDeviceChecker.check(stored)) {
      throw e2eErrors.stateInvalid(`device: ${storedDeviceChecker.problems().join('; ')}`)
    }
    return new Device(
      stored.id,
      stored.name,
      fromBase64(stored.publicKey),
      fromBase64(stored.signKey),
    )
  }

  toJSON(): StoredDevice {
    return {
      id: this.id,
      name: this.name,
      publicKey: toBase64(this.publicKey),
      signKey: toBase64(this.signKey),
    }
  }

  renamed(name: string): Device {
    return new Device(this.id, name, this.publicKey, this.signKey)
  }

  /** What the `device` frame registers (add `vouch` from another device of the account). */
  registration(): { device: string; name: string; key: string } {
    return { device: this.id, name: this.name, key: toBase64(this.publicKey) }
  }

  /** Vouch for another device of the same account `user`, whose key was compared out of band or shown here. */
  async vouchFor(user: string, otherDevice: string, otherKey: Uint8Array): Promise<Vouch> {
    const signature = await (
      await cipherSuite()
    ).signature.sign(this.signKey, vouchStatement(user, otherDevice, otherKey))
    return { by: this.id, signature: toBase64(signature) }
  }
}

/**
 * Whether `voucher` (a device of `user`) signed `device`'s vouch over its id and key. False for a
 * vouch by another device, or one that does not decode.
 */
export const verifyVouch = async (
  user: string,
  device: Pick<DeviceView, 'device' | 'key' | 'vouch'>,
  voucher: Pick<DeviceView, 'device' | 'key'>,
): Promise<boolean> => {
  if (!device.vouch || device.vouch.by !== voucher.device || device.device === voucher.device)
    return false
  try {
    const statement = vouchStatement(user, device.device, fromBase64(device.key))
    return await (
      await cipherSuite()
    ).signature.verify(fromBase64(voucher.key), statement, fromBase64(device.vouch.signature))
  } catch {
    // Bad base64, a key of the wrong length (WebCrypto refuses to import it): no valid vouch.
    return false
  }
}
