// Passphrase → keys: argon2id (RFC 9106) with versioned cost parameters, then HKDF-SHA256
// (RFC 5869) subkeys for slot selection, the sealed length field and AES-256-GCM.
import { type StegoPrimitives, utf8 } from './primitives.ts'

/**
 * One argon2id cost parameter set. The version is never written into the image: extraction
 * tries each known set in turn, so raising the cost later only adds one entry here.
 */
export interface KdfParams {
  /** Identifies the set; mixed into every HKDF label and the AEAD associated data. */
  readonly version: number
  /** Memory in KiB. */
  readonly memoryCost: number
  /** Passes over memory. */
  readonly timeCost: number
  readonly parallelism: number
}

/**
 * Version 1: 64 MiB, 3 passes, 1 lane — above the RFC 9106 §4 second recommended option
 * (64 MiB, t=3, p=4) in cost per lane, and above OWASP's argon2id minimum (19 MiB, t=2).
 */
export const KDF_V1: KdfParams = { version: 1, memoryCost: 64 * 1024, timeCost: 3, parallelism: 1 }

/** Every parameter set extraction knows, newest first; embedding uses the first. */
export const KDF_VERSIONS: readonly KdfParams[] = [KDF_V1]

export const SALT_BYTES = 16

export interface StegoKeys {
  /** Keys the Feistel permutation that orders the slots. */
  readonly permKey: Uint8Array
  /** XOR mask over the 32-bit sealed length field. */
  readonly lengthMask: number
  readonly encKey: Uint8Array
  readonly nonce: Uint8Array
}

const label = (params: KdfParams, purpose: string) => `chathub-stego/v${params.version}/${purpose}`

/** One full argon2id run, then cheap HKDF expansions. Every guess of a passphrase costs one run. */
export const deriveKeys = async (
  p: Pick<StegoPrimitives, 'argon2id' | 'hkdfSha256'>,
  passphrase: string,
  salt: Uint8Array,
  params: KdfParams,
): Promise<StegoKeys> => {
  // NFC so the same passphrase typed on different systems gives the same bytes
  const master = await p.argon2id(utf8(passphrase.normalize('NFC')), salt, {
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    outputLength: 32,
  })
  const expand = (purpose: string, length: number) =>
    p.hkdfSha256(master, salt, utf8(label(params, purpose)), length)
  const [mask, permKey, encKey, nonce] = await Promise.all([
    expand('length', 4),
    expand('slots', 32),
    expand('aead-key', 32),
    expand('aead-nonce', 12),
  ])
  return {
    permKey,
    lengthMask: ((mask[0]! << 24) | (mask[1]! << 16) | (mask[2]! << 8) | mask[3]!) >>> 0,
    encKey,
    nonce,
  }
}

/** Associated data of the AEAD: binds the parameter version and the (unmasked) length field. */
export const associatedData = (params: KdfParams, sealedLength: number): Uint8Array => {
  const tag = utf8(label(params, 'aad'))
  const out = new Uint8Array(tag.length + 4)
  out.set(tag)
  new DataView(out.buffer).setUint32(tag.length, sealedLength)
  return out
}
