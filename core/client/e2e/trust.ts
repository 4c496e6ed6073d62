// Which devices of a user this device trusts (docs/e2e.md, "Vouching"): a user's first device on
// first use, every other one only with a vouch from an already trusted device of the same user; and
// pinning, so that a later change of a user's devices is reported and a changed key refused. The
// AuthenticationService ts-mls asks about every credential in a Commit, Welcome or ratchet tree is
// built on it: this is what stops a hub that slips a device of its own into the KeyPackage directory.
import type { AuthenticationService, Credential } from 'ts-mls'
import { parseCredentialIdentity, toBase64 } from '#core/protocol/e2e'
import type { DeviceView } from '#core/protocol/messages'
import { type Device, verifyVouch } from './device.ts'
import { type DeviceRef, e2eErrors } from './errors.ts'
import type { DeviceStore, PinnedDevices } from './store.ts'

/** `first_use`: the account's first device, trusted when first seen; `vouched`: signed for by a trusted device. */
export type DeviceStatus = 'first_use' | 'vouched' | 'unvouched'

export interface AssessedDevice {
  device: string
  name: string
  /** Ed25519 public key, base64. */
  key: string
  status: DeviceStatus
  /** The trusted device that vouched for it. */
  by?: string
}

export const isTrusted = (d: AssessedDevice): boolean => d.status !== 'unvouched'

/**
 * The trust rules over a user's devices as the hub lists them, given the devices pinned before.
 * Trusted from the start (the roots): the pinned trusted devices whose key is unchanged or, when
 * none is left (a user seen for the first time), the one device marked `first` (none when the hub
 * marks several). Then a device whose vouch by a trusted device verifies is trusted too, so vouches
 * chain (A for B, B for C). A device id listed twice is never trusted. Everything else is unvouched.
 */
export const assessDevices = async (
  user: string,
  devices: DeviceView[],
  pinned?: PinnedDevices,
): Promise<AssessedDevice[]> => {
  const listed = devices.filter((d) => devices.filter((o) => o.device === d.device).length === 1)
  const trusted = new Map(rootsOf(listed, pinned).map((d) => [d.device, d]))
  let grew = true
  while (grew) {
    grew = false
    for (const d of listed) {
      if (trusted.has(d.device) || !d.vouch) continue
      const voucher = trusted.get(d.vouch.by)
      if (voucher && (await verifyVouch(user, d, voucher))) {
        trusted.set(d.device, assessed(d, 'vouched', voucher.device))
        grew = true
      }
    }
  }
  return devices.map((d) => trusted.get(d.device) ?? assessed(d, 'unvouched'))
}

const assessed = (d: DeviceView, status: DeviceStatus, by?: string): AssessedDevice => ({
  device: d.device,
  name: d.name,
  key: d.key,
  status,
  ...(by === undefined ? {} : { by }),
})

const rootsOf = (devices: DeviceView[], pinned: PinnedDevices | undefined): AssessedDevice[] => {
  const stillPinned = devices.flatMap((d) => {
    const pin = pinned && Object.hasOwn(pinned, d.device) ? pinned[d.device] : undefined
    return pin && pin.status !== 'unvouched' && pin.key === d.key
      ? [assessed(d, pin.status, pin.by)]
      : []
  })
  if (stillPinned.length > 0) return stillPinned
  const first = devices.filter((d) => d.first)
  return first.length === 1 ? first.map((d) => assessed(d, 'first_use')) : []
}

/** How a user's devices changed since this device pinned them. */
export interface DeviceChanges {
  /** Nothing was pinned for this user: everything is new, nothing to report. */
  firstSight: boolean
  added: AssessedDevice[]
  removed: string[]
  /** Devices that are now trusted and were not (vouched for since). */
  nowTrusted: string[]
  /** Same device id, another key: refused (E2E_DEVICE_KEY_CHANGED). */
  keyChanged: string[]
}

export const comparePins = (
  pinned: PinnedDevices | undefined,
  devices: AssessedDevice[],
): DeviceChanges => {
  const pins = new Map(Object.entries(pinned ?? {}))
  const listed = new Set(devices.map((d) => d.device))
  return {
    firstSight: pins.size === 0,
    added: pins.size === 0 ? [] : devices.filter((d) => !pins.has(d.device)),
    removed: [...pins.keys()].filter((id) => !listed.has(id)),
    nowTrusted: devices
      .filter((d) => pins.get(d.device)?.status === 'unvouched' && isTrusted(d))
      .map((d) => d.device),
    keyChanged: devices
      .filter((d) => pins.has(d.device) && pins.get(d.device)?.key !== d.key)
      .map((d) => d.device),
  }
}

export const pinsOf = (devices: AssessedDevice[]): PinnedDevices =>
  Object.fromEntries(
    devices.map((d) => [
      d.device,
      { key: d.key, name: d.name, status: d.status, ...(d.by === undefined ? {} : { by: d.by }) },
    ]),
  )

/** A user's devices as the hub lists them (the `devices` frame). */
export type DeviceDirectory = (user: string) => Promise<DeviceView[]>

export interface DeviceReview {
  user: string
  devices: AssessedDevice[]
  changes: DeviceChanges
}

export interface DeviceTrustOptions {
  store: DeviceStore
  directory: DeviceDirectory
  /** This device: always trusted by itself, whatever the hub lists. */
  self: { user: string; device: Device }
}

/** This device's view of other devices: reviews users' device lists, pins them, and answers ts-mls. */
export class DeviceTrust {
  private readonly reviewed = new Map<string, AssessedDevice[]>()

  constructor(private readonly options: DeviceTrustOptions) {}

  /**
   * Assess `user`'s devices (as a `devices` answer or event lists them, else fetched from the
   * directory), compare them with the pinned ones and pin them. E2E_DEVICE_KEY_CHANGED when a
   * pinned device has another key: nothing is pinned then, and the user's devices stay untrusted.
   */
  async review(user: string, devices?: DeviceView[]): Promise<DeviceReview> {
    const listed = devices ?? (await this.options.directory(user))
    const pinned = await this.options.store.loadPins(user)
    const assessedDevices = await assessDevices(user, listed, pinned)
    const changes = comparePins(pinned, assessedDevices)
    if (changes.keyChanged.length > 0) {
      this.reviewed.delete(user)
      throw e2eErrors.deviceKeyChanged(user, changes.keyChanged)
    }
    await this.options.store.savePins(user, pinsOf(assessedDevices))
    this.reviewed.set(user, assessedDevices)
    return { user, devices: assessedDevices, changes }
  }

  /**
   * Start over with `user` (after comparing safety numbers out of band, `chathub verify`): forget
   * the pins, so their devices are assessed as if seen for the first time.
   */
  async acceptChanges(user: string, devices?: DeviceView[]): Promise<DeviceReview> {
    await this.options.store.savePins(user, {})
    return this.review(user, devices)
  }

  /**
   * Whether `key` is the key of a trusted device `device` of `user`. A device not reviewed yet, or
   * not trusted when last reviewed, has its user's list fetched once more before it is refused: it
   * may have been added or vouched for since (a long-running session, a browser, sees a Commit that
   * adds a device vouched for a moment ago, possibly by itself, before it reviewed that user again).
   */
  async trusts(user: string, device: string, key: Uint8Array): Promise<boolean> {
    const { self } = this.options
    if (user === self.user && device === self.device.id)
      return toBase64(key) === toBase64(self.device.publicKey)
    const ok = (d: AssessedDevice | undefined) => d !== undefined && isTrusted(d) && d.key === toBase64(key)
    if (ok(this.find(user, device))) return true
    await this.review(user)
    return ok(this.find(user, device))
  }

  /** For ts-mls's ClientConfig; `onRefused` hears each refused credential (for the caller's error). */
  authenticationService(onRefused?: (device: DeviceRef) => void): AuthenticationService {
    return {
      validateCredential: async (credential: Credential, signaturePublicKey: Uint8Array) => {
        const owner =
          credential.credentialType === 'basic'
            ? parseCredentialIdentity(credential.identity)
            : undefined
        const trusted =
          owner !== undefined && (await this.trusts(owner.user, owner.device, signaturePublicKey))
        if (!trusted) onRefused?.(owner ?? { user: '?', device: '?' })
        return trusted
      },
    }
  }

  private find(user: string, device: string): AssessedDevice | undefined {
    return this.reviewed.get(user)?.find((d) => d.device === device)
  }
}
