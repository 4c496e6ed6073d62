// A device's KeyPackages (RFC 9420 §10): made in batches for the hub's directory (`keypackages`
// frame), their private parts kept on the device and found again when a Welcome names one. They are
// keyed by KeyPackageRef (RFC 9420 §5.2, ts-mls's makeKeyPackageRef), the id a Welcome gives its
// new member, so joining is one lookup instead of trying every package.
import {
  type KeyPackage,
  type PrivateKeyPackage,
  type Welcome,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
} from 'ts-mls'
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js'
import {
  credentialIdentity,
  fromBase64,
  parseCredentialIdentity,
  toBase64,
} from '#core/protocol/e2e'
import type { Device } from './device.ts'
import { e2eErrors } from './errors.ts'
import type { StoredKeyPackage } from './store.ts'
import { cipherSuite } from './suite.ts'

/** The most one-time KeyPackages one `keypackages` frame takes. */
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100
/** Last-resort packages kept: the newest, and the one before it (a Welcome for it may be on its way). */
const LAST_RESORT_KEPT = 2

export interface KeyPackageBatch {
  /** One-time packages, encoded `mls_key_package` messages (the frame's `packages`, in base64). */
  packages: Uint8Array[]
  /** A last-resort package (the frame's `lastResort`), when asked for. */
  lastResort?: Uint8Array
  /** Their private parts: add them to what the device keeps (keepKeyPackages) before uploading. */
  kept: StoredKeyPackage[]
}

/** A KeyPackage and its private keys, ready for ts-mls (createGroup, joinGroup). */
export interface OwnKeyPackage {
  ref: string
  publicPackage: KeyPackage
  privatePackage: PrivateKeyPackage
  lastResort: boolean
}

/** A fresh KeyPackage of `device` as `user` (not published: e.g. for the leaf of a group it creates). */
export const makeOwnKeyPackage = async (
  user: string,
  device: Device,
  lastResort = false,
): Promise<OwnKeyPackage> => {
  const cs = await cipherSuite()
  const credential = {
    credentialType: 'basic' as const,
    identity: credentialIdentity(user, device.id),
  }
  // No expiry: the hub's directory has no expiry sweep yet, and a package that expired there
  // would make every add of its device fail until the device publishes again.
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: device.signKey, publicKey: device.publicKey },
    cs,
  )
  const ref = toBase64(await makeKeyPackageRef(publicPackage, cs.hash))
  return { ref, publicPackage, privatePackage, lastResort }
}

/** `count` one-time KeyPackages of `device` as `user`, and a last-resort one with `lastResort`. */
export const makeKeyPackages = async (
  user: string,
  device: Device,
  count: number,
  options: { lastResort?: boolean } = {},
): Promise<KeyPackageBatch> => {
  if (!Number.isInteger(count) || count < 0 || count > MAX_KEY_PACKAGES_PER_UPLOAD) {
    throw new RangeError(`count must be an integer from 0 to ${MAX_KEY_PACKAGES_PER_UPLOAD}`)
  }
  const oneTime = await Promise.all(
    Array.from({ length: count }, () => makeOwnKeyPackage(user, device)),
  )
  const last = options.lastResort ? await makeOwnKeyPackage(user, device, true) : undefined
  return {
    packages: oneTime.map((p) => encodeKeyPackageMessage(p.publicPackage)),
    lastResort: last && encodeKeyPackageMessage(last.publicPackage),
    kept: [...oneTime, ...(last ? [last] : [])].map(toStored),
  }
}

const encodeKeyPackageMessage = (keyPackage: KeyPackage): Uint8Array =>
  encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage })

const toStored = (p: OwnKeyPackage): StoredKeyPackage => ({
  ref: p.ref,
  message: toBase64(encodeKeyPackageMessage(p.publicPackage)),
  initPrivateKey: toBase64(p.privatePackage.initPrivateKey),
  hpkePrivateKey: toBase64(p.privatePackage.hpkePrivateKey),
  lastResort: p.lastResort,
  createdAt: Date.now(),
})

/** What the device keeps after a new batch: everything before, except last-resort packages beyond the newest two. */
export const keepKeyPackages = (
  kept: StoredKeyPackage[],
  batch: KeyPackageBatch,
): StoredKeyPackage[] => {
  const all = [...kept, ...batch.kept]
  const lastResorts = all.filter((p) => p.lastResort)
  const stale = new Set(lastResorts.slice(0, Math.max(0, lastResorts.length - LAST_RESORT_KEPT)))
  return all.filter((p) => !stale.has(p))
}

/** What the device keeps once the package `ref` let it join: a one-time package goes (its keys with it). */
export const withoutUsedKeyPackage = (kept: StoredKeyPackage[], ref: string): StoredKeyPackage[] =>
  kept.filter((p) => p.ref !== ref || p.lastResort)

/** The kept package a Welcome was made for, if the device has it. */
export const findKeyPackageFor = (
  welcome: Welcome,
  kept: StoredKeyPackage[],
  device: Device,
): OwnKeyPackage | undefined => {
  const refs = new Set(welcome.secrets.map((s) => toBase64(s.newMember)))
  const stored = kept.find((p) => refs.has(p.ref))
  if (!stored) return undefined
  return {
    ref: stored.ref,
    publicPackage: decodeKeyPackage(fromBase64(stored.message)).keyPackage,
    privatePackage: {
      initPrivateKey: fromBase64(stored.initPrivateKey),
      hpkePrivateKey: fromBase64(stored.hpkePrivateKey),
      signaturePrivateKey: device.signKey,
    },
    lastResort: stored.lastResort,
  }
}

/**
 * The KeyPackage in an encoded `mls_key_package` message (as the `claim` answer carries it), with
 * the user and device its credential names; E2E_KEY_PACKAGE_INVALID when it is none of ours.
 * Its signature and whether its key is trusted are checked when it is committed (group.ts, trust.ts).
 */
export const decodeKeyPackage = (
  data: Uint8Array,
): { keyPackage: KeyPackage; owner: { user: string; device: string } } => {
  let decoded: ReturnType<typeof decodeMlsMessage>
  try {
    decoded = decodeMlsMessage(data, 0)
  } catch (err) {
    throw e2eErrors.keyPackageInvalid('it does not decode', err)
  }
  if (!decoded || decoded[1] !== data.length || decoded[0].wireformat !== 'mls_key_package') {
    throw e2eErrors.keyPackageInvalid('it is not a KeyPackage message')
  }
  const keyPackage = decoded[0].keyPackage
  const credential = keyPackage.leafNode.credential
  const owner =
    credential.credentialType === 'basic' ? parseCredentialIdentity(credential.identity) : undefined
  if (!owner) throw e2eErrors.keyPackageInvalid('its credential does not name a user and device')
  return { keyPackage, owner }
}
