// Verifying a contact (docs/e2e.md, "Verifying a contact"): the safety number of this account and
// another over both sets of trusted devices (trust.ts's rules over the pins), whether the contact's
// trusted devices are still those recorded when the number was compared, and recording it. Pure
// over a DeviceStore, so the CLI and the browser share it.
import type { DeviceView } from '#core/protocol/messages'
import { safetyNumber } from './safety-number.ts'
import type { DeviceStore, Verification } from './store.ts'
import { type AssessedDevice, assessDevices, comparePins, isTrusted, pinsOf } from './trust.ts'

/** `broken`: verified once, but the contact's trusted devices have changed since. */
export type VerificationStatus = 'unverified' | 'verified' | 'broken'

/** How a verified contact's trusted devices differ from those verified (comparePins over trusted devices). */
export interface VerificationChanges {
  /** Trusted now, not when verified. */
  added: AssessedDevice[]
  /** Verified, and now gone or no longer trusted. */
  removed: string[]
  /** Verified, and now listed with another key. */
  keyChanged: string[]
}

/** What changed, for people (CLI and browser): `device X ("phone") added; device Y removed`. */
export const describeChanges = (changes: VerificationChanges): string =>
  [
    ...changes.added.map((d) => `device ${d.device} ("${d.name}") added`),
    ...changes.removed.map((id) => `device ${id} removed`),
    ...changes.keyChanged.map((id) => `device ${id} has another key`),
  ].join('; ')

/** A user's devices as this device assesses them now. */
export interface CurrentDevices {
  user: string
  /** Every device the hub lists, with its status (only trusted ones count for the number). */
  devices: AssessedDevice[]
  /**
   * Pinned devices the hub now lists with another key. The pins then no longer hold (the session
   * refuses the user, E2E_DEVICE_KEY_CHANGED): the devices are assessed as if seen for the first
   * time, and confirming a compared number pins them so (DeviceTrust.acceptChanges's rule).
   */
  replaced: string[]
}

export interface SafetyCheck {
  /** The contact. */
  user: string
  /** 60 digits (formatSafetyNumber groups them). */
  safetyNumber: string
  mine: CurrentDevices
  theirs: CurrentDevices
  status: VerificationStatus
  /** What was recorded, when the contact was verified on this device. */
  verification?: Verification
  /** When `broken`: what changed. */
  changes?: VerificationChanges
}

export const trustedOf = (current: CurrentDevices): AssessedDevice[] =>
  current.devices.filter(isTrusted)

/** `user`'s devices as listed, assessed over this device's pins (set aside when a key changed). */
export const currentDevices = async (
  store: DeviceStore,
  user: string,
  listed: DeviceView[],
): Promise<CurrentDevices> => {
  const pins = await store.loadPins(user)
  const pinned = await assessDevices(user, listed, pins)
  const replaced = comparePins(pins, pinned).keyChanged
  return {
    user,
    devices: replaced.length > 0 ? await assessDevices(user, listed) : pinned,
    replaced,
  }
}

/** What changed in `current`'s trusted devices since `verification` (nothing: undefined). */
export const changesSince = (
  verification: Verification,
  current: CurrentDevices,
): VerificationChanges | undefined => {
  const { added, removed, keyChanged } = comparePins(verification.devices, trustedOf(current))
  return added.length + removed.length + keyChanged.length === 0
    ? undefined
    : { added, removed, keyChanged }
}

/** The safety number of this account (`me`) and `them`, and whether `them` is verified here. */
export const checkSafety = async (
  store: DeviceStore,
  me: { user: string; devices: DeviceView[] },
  them: { user: string; devices: DeviceView[] },
): Promise<SafetyCheck> => {
  const mine = await currentDevices(store, me.user, me.devices)
  const theirs = await currentDevices(store, them.user, them.devices)
  const number = safetyNumber(
    { user: me.user, devices: trustedOf(mine) },
    { user: them.user, devices: trustedOf(theirs) },
  )
  const verification = await store.loadVerification(them.user)
  const changes = verification && changesSince(verification, theirs)
  return {
    user: them.user,
    safetyNumber: number,
    mine,
    theirs,
    status: !verification ? 'unverified' : changes ? 'broken' : 'verified',
    ...(verification ? { verification } : {}),
    ...(changes ? { changes } : {}),
  }
}

/**
 * Record that `check`'s number was compared with the contact: their devices are pinned as assessed
 * and their trusted ones kept as verified, so a later change shows (changesSince).
 */
export const confirmSafety = async (
  store: DeviceStore,
  check: SafetyCheck,
  at: number = Date.now(),
): Promise<Verification> => {
  const verification: Verification = {
    at,
    safetyNumber: check.safetyNumber,
    devices: pinsOf(trustedOf(check.theirs)),
  }
  await store.savePins(check.user, pinsOf(check.theirs.devices))
  await store.saveVerification(check.user, verification)
  return verification
}

/**
 * Whether a contact verified on this device has other trusted devices now (`listed` as the hub
 * lists them): the changes, or undefined when they are not verified or nothing changed.
 */
export const brokenVerification = async (
  store: DeviceStore,
  user: string,
  listed: DeviceView[],
): Promise<VerificationChanges | undefined> => {
  const verification = await store.loadVerification(user)
  return verification && changesSince(verification, await currentDevices(store, user, listed))
}
