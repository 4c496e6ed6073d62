// The stego codec: embed / extract / capacity on raw pixel buffers, no I/O, over the primitives it
// is given (createCodec): Node's in codec.ts, the browser's in web/src/stego. Byte and bit layout in
// docs/stego.md; the building blocks are kdf.ts, payload.ts, slots.ts, matrix.ts.
import { stegoErrors } from './errors.ts'
import { associatedData, deriveKeys, KDF_VERSIONS, SALT_BYTES, type KdfParams, type StegoKeys } from './kdf.ts'
import { positionBits } from './bit-planes.ts'
import { Changer } from './changer.ts'
import { chooseK, type Layout, readRegion, writeRegion } from './matrix.ts'
import {
  frameSerialized,
  isPaddedLength,
  paddedLength,
  payloadOverhead,
  payloadSize,
  serializePayload,
  TAG_BYTES,
  unframePayload,
  type Payload,
} from './payload.ts'
import { feistelPermutation, keystream } from './permutation.ts'
import type { StegoPrimitives } from './primitives.ts'
import { assertRawImage, type RawImage } from './raw-image.ts'
import { CHUNK, countSlots, SALT_SLOTS, type SlotCount, SlotMap } from './slots.ts'

export type { Payload } from './payload.ts'
export type { RawImage } from './raw-image.ts'
export type { KdfParams } from './kdf.ts'
export type { StegoPrimitives } from './primitives.ts'
export { KDF_V1, KDF_VERSIONS } from './kdf.ts'

/** The sealed length field: 32 bits, one per cell, at keyed positions 0..31. */
const LENGTH_BITS = 32

/**
 * The safe zone: payload bits up to 5% of the body cells (≈ 5% of maxBytes). Structural LSB
 * detectors (RS, SPA, WS) and blind feature-based detectors lose reliability below roughly 0.05
 * bits per sample (Fridrich, Goljan, Du 2001; Ker 2005; Fridrich, "Steganography in Digital
 * Media", 2009, ch. 11–12); at that rate the Hamming code runs at k = 7 and changes ≈ 0.7% of the
 * slots, each by ±1.
 */
export const SAFE_RATE = 0.05

export interface Capacity {
  /** Largest text payload (UTF-8 bytes) that always fits, even if it does not compress. */
  maxBytes: number
  /** Largest text payload that stays within SAFE_RATE bits per body cell. */
  safeBytes: number
  /** Colour samples of pixels that are not fully transparent. */
  usableSlots: number
}

export type Progress = (fraction: number, phase: string) => void

export interface EmbedOptions {
  /** argon2id parameters; defaults to the newest version. Lower-cost sets are for tests only. */
  kdf?: KdfParams
  onProgress?: Progress
  /**
   * A key derivation already started with startKeys() for this passphrase: it does not need the
   * image, so a caller can run it while the cover is still being decoded.
   */
  keys?: StartedKeys
}

/** A salt and the argon2id run on it, under way (see EmbedOptions.keys). */
export interface StartedKeys {
  salt: Uint8Array
  params: KdfParams
  keys: Promise<StegoKeys>
}

export interface ExtractOptions {
  /** Parameter sets to try, in order; defaults to every known version, newest first. */
  kdf?: KdfParams | readonly KdfParams[]
  onProgress?: Progress
}

export interface EmbedResult {
  pixels: RawImage
  /** Changed slots / usable slots. */
  changeRate: number
  changed: number
  /** Salt, length field and sealed payload, in bits. */
  bitsEmbedded: number
  /** True above safeBytes: embedding worked but steganalysis may notice. */
  overSafe: boolean
  /** Hamming code parameter used for the body (blocks of 2^k − 1 cells carry k bits). */
  matrixK: number
}

/** The codec over one platform's primitives; every method may be called on its own (destructured). */
export interface StegoCodec {
  readonly primitives: StegoPrimitives
  /** What an image can carry. Exact: maxBytes of incompressible text always fits. */
  capacity(image: RawImage): Capacity
  /** Draw a salt and start deriving the keys of `passphrase` on it (see EmbedOptions.keys). */
  startKeys(passphrase: string, params?: KdfParams): StartedKeys
  /** Hide `payload` in a copy of `image` under `passphrase`. */
  embed(image: RawImage, payload: Payload, passphrase: string, opts?: EmbedOptions): Promise<EmbedResult>
  /**
   * Recover the payload hidden under `passphrase`. A wrong passphrase, an image with nothing
   * hidden and a re-encoded image all give the same STEGO_NO_MESSAGE, after the same work per version.
   */
  extract(image: RawImage, passphrase: string, opts?: ExtractOptions): Promise<Payload>
}

/** Cells available to the body: whole chunks, minus the length field. */
const bodyCells = (count: Pick<SlotCount, 'chunks'>): number =>
  Math.max(0, count.chunks * CHUNK - LENGTH_BITS)
const sealedBits = (paddedBytes: number): number => 8 * (paddedBytes + TAG_BYTES)

/** Largest p in [0, hi] with fits(p), or -1. fits must be monotone (true then false). */
const largest = (hi: number, fits: (p: number) => boolean): number => {
  let lo = -1
  while (lo < hi) {
    const mid = Math.ceil((lo + hi + 1) / 2)
    if (fits(mid)) lo = mid
    else hi = mid - 1
  }
  return lo
}

const capacityOf = (count: SlotCount): Capacity => {
  const cells = bodyCells(count)
  const textBits = (bytes: number) => sealedBits(paddedLength(1 + bytes))
  const hi = Math.floor(cells / 8)
  return {
    maxBytes: Math.max(0, largest(hi, (p) => textBits(p) <= cells)),
    safeBytes: Math.max(0, largest(hi, (p) => textBits(p) <= SAFE_RATE * cells)),
    usableSlots: count.usable,
  }
}

/** What an image can carry: needs no primitives (the same on every platform). */
export const capacity = (image: RawImage): Capacity => {
  assertRawImage(image)
  return capacityOf(countSlots(image))
}

const checkPassphrase = (passphrase: string) => {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw stegoErrors.passphraseRequired()
}

const bitsOf = (value: number): Uint8Array =>
  new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255])

/** The codec over `p`: Node's primitives (codec.ts) or the browser's (web/src/stego). */
export const createCodec = (p: StegoPrimitives): StegoCodec => {
  const layoutFor = async (map: SlotMap, permKey: Uint8Array): Promise<Layout> => {
    const chunks = Math.max(1, map.chunks)
    const [perm, scramble] = await Promise.all([
      feistelPermutation(p, permKey, chunks),
      keystream(p, permKey, chunks, 1),
    ])
    return { map, perm, scramble }
  }

  const startKeys = (passphrase: string, params: KdfParams = KDF_VERSIONS[0]!): StartedKeys => {
    checkPassphrase(passphrase)
    const salt = p.randomBytes(SALT_BYTES)
    const keys = deriveKeys(p, passphrase, salt, params)
    keys.catch(() => undefined) // awaited by embed(); a refusal before that must not leave it unhandled
    return { salt, params, keys }
  }

  const embed = async (
    image: RawImage,
    payload: Payload,
    passphrase: string,
    opts: EmbedOptions = {},
  ): Promise<EmbedResult> => {
    assertRawImage(image)
    checkPassphrase(passphrase)
    const params = opts.keys?.params ?? opts.kdf ?? KDF_VERSIONS[0]!
    const map = await SlotMap.build(p, image)
    const cells = bodyCells(map)
    const raw = serializePayload(payload)
    const tooLarge = () => {
      const need = payloadSize(payload) + payloadOverhead(payload) - 1
      return stegoErrors.payloadTooLarge(need, capacityOf(map).maxBytes)
    }
    // Deflate is used only when it makes the body smaller, so a payload that fits stored always
    // fits: then the deflate can wait and run (on a worker thread, in Node) while positionBits runs
    // below. Otherwise deflate now, to refuse a payload that does not fit before the KDF runs.
    const fitsStored = chooseK(sealedBits(paddedLength(raw.length)), cells) > 0
    const framedNow = fitsStored ? undefined : await frameSerialized(p.deflateRaw, raw)
    if (framedNow && chooseK(sealedBits(framedNow.length), cells) === 0) throw tooLarge()

    const started = opts.keys ?? startKeys(passphrase, params)
    const salt = started.salt
    opts.onProgress?.(0, 'kdf')
    const keys = await started.keys
    opts.onProgress?.(1, 'kdf')
    const framing = framedNow ? Promise.resolve(framedNow) : frameSerialized(p.deflateRaw, raw)
    framing.catch(() => undefined) // awaited below, after the synchronous position pass
    const layout = await layoutFor(map, keys.permKey)
    // reads the cover, which never changes: the changes go to a copy that the changer makes bucket
    // by bucket as it applies them
    const positions = positionBits(image.data, map, layout.perm)
    const framed = await framing
    const bits = sealedBits(framed.length)
    const k = chooseK(bits, cells)
    const sealed = await p.aesGcmSeal(keys.encKey, keys.nonce, framed, associatedData(params, framed.length))
    // at most one change per salt slot, length-field cell and body block
    const expected = SALT_SLOTS + LENGTH_BITS + Math.ceil(bits / k)
    const changer = new Changer(image.data, new Uint8Array(image.data.length), expected, p.randomBytes)
    for (let i = 0; i < SALT_SLOTS; i++) {
      const offset = map.offsetOf(map.saltSlots[i]!)
      const bit = (salt[i >> 3]! >> (7 - (i & 7))) & 1
      if ((image.data[offset]! & 1) !== bit) changer.flip(offset)
    }
    const lengthField = bitsOf((framed.length ^ keys.lengthMask) >>> 0)
    writeRegion(layout, image.data, lengthField, { start: 0, k: 1, bits: LENGTH_BITS }, changer)
    writeRegion(
      layout,
      image.data,
      sealed,
      {
        start: LENGTH_BITS,
        k,
        bits,
        onProgress: opts.onProgress && ((f: number) => opts.onProgress?.(f, 'embed')),
        positions,
      },
      changer,
    )
    // the position bits are spent: their memory serves the changer's address sort
    const data = changer.finish(positions?.records)
    opts.onProgress?.(1, 'embed')
    return {
      pixels: { data, width: image.width, height: image.height, channels: image.channels },
      changeRate: map.usable > 0 ? changer.changed / map.usable : 0,
      changed: changer.changed,
      bitsEmbedded: SALT_SLOTS + LENGTH_BITS + bits,
      overSafe: bits > SAFE_RATE * cells,
      matrixK: k,
    }
  }

  const extract = async (
    image: RawImage,
    passphrase: string,
    opts: ExtractOptions = {},
  ): Promise<Payload> => {
    assertRawImage(image)
    checkPassphrase(passphrase)
    const versions: readonly KdfParams[] = opts.kdf
      ? Array.isArray(opts.kdf)
        ? opts.kdf
        : [opts.kdf as KdfParams]
      : KDF_VERSIONS
    const map = await SlotMap.build(p, image)
    const cells = bodyCells(map)
    if (cells === 0) throw stegoErrors.noMessage()
    const salt = new Uint8Array(SALT_BYTES)
    for (let i = 0; i < SALT_SLOTS; i++) {
      if (image.data[map.offsetOf(map.saltSlots[i]!)]! & 1) salt[i >> 3]! |= 0x80 >> (i & 7)
    }
    for (const [index, params] of versions.entries()) {
      const phase = (f: number) => opts.onProgress?.((index + f) / versions.length, 'extract')
      opts.onProgress?.(0, 'kdf')
      const keys = await deriveKeys(p, passphrase, salt, params)
      opts.onProgress?.(1, 'kdf')
      const layout = await layoutFor(map, keys.permKey)
      const field = readRegion(layout, image.data, { start: 0, k: 1, bits: LENGTH_BITS })
      const length = ((field[0]! << 24) | (field[1]! << 16) | (field[2]! << 8) | field[3]!) ^ keys.lengthMask
      const padded = length >>> 0
      if (!isPaddedLength(padded)) continue
      const bits = sealedBits(padded)
      const k = chooseK(bits, cells)
      if (k === 0) continue
      const sealed = readRegion(layout, image.data, {
        start: LENGTH_BITS,
        k,
        bits,
        onProgress: opts.onProgress && phase,
      })
      const framed = await p.aesGcmOpen(keys.encKey, keys.nonce, sealed, associatedData(params, padded))
      const payload = framed && (await unframePayload(p.inflateRaw, framed))
      if (payload) {
        opts.onProgress?.(1, 'extract')
        return payload
      }
    }
    throw stegoErrors.noMessage()
  }

  return { primitives: p, capacity, startKeys, embed, extract }
}
