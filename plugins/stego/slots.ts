// Which (pixel, channel) samples carry data and where each lives in the buffer: usable slots,
// the 128 public salt slots, and the compact index space the keyed permutation runs over.
import { feistelPermutation } from './permutation.ts'
import { type StegoPrimitives, utf8 } from './primitives.ts'
import type { RawImage } from './raw-image.ts'
import { SALT_BYTES } from './kdf.ts'

/** Slots per permutation unit: the keyed Feistel orders chunks; a keyed XOR scrambles inside one. */
export const CHUNK = 64
export const SALT_SLOTS = SALT_BYTES * 8

/** Which samples are usable, before the salt is placed: all that capacity needs. */
export interface SlotCount {
  /** Usable slots (colour samples of pixels that are not fully transparent). */
  readonly usable: number
  /** Whole chunks of non-salt slots; the tail of fewer than CHUNK slots is never used. */
  readonly chunks: number
  /** slot → byte offset, only for RGBA images with transparent pixels. */
  readonly table: Uint32Array | undefined
}

/**
 * Slot s is the s-th colour sample in scan order, skipping alpha and every sample of a fully
 * transparent pixel (alpha never changes, so embedder and extractor agree on the set).
 */
export const countSlots = (image: RawImage): SlotCount => {
  const { data, channels, width, height } = image
  let usable = width * height * Math.min(channels, 3)
  let table: Uint32Array | undefined
  if (channels === 4) {
    let transparent = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] === 0) transparent++
    if (transparent > 0) {
      usable = (width * height - transparent) * 3
      table = new Uint32Array(usable)
      let s = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue
        table[s++] = i
        table[s++] = i + 1
        table[s++] = i + 2
      }
    }
  }
  return { usable, chunks: usable > SALT_SLOTS ? Math.floor((usable - SALT_SLOTS) / CHUNK) : 0, table }
}

/**
 * The salt's public slots: a Feistel permutation keyed by the geometry alone (SHA-256 of it), so
 * the extractor finds the salt before it knows any key. Bit i of the salt lives in slot [i].
 */
const placeSalt = async (
  p: Pick<StegoPrimitives, 'sha256' | 'aesCtrKeystream'>,
  image: RawImage,
  usable: number,
): Promise<Int32Array> => {
  const slots = new Int32Array(SALT_SLOTS)
  if (usable < SALT_SLOTS) return slots
  const { width, height, channels } = image
  const seed = await p.sha256(utf8(`chathub-stego/salt-slots/${width}x${height}x${channels}/${usable}`))
  const perm = await feistelPermutation(p, seed, usable)
  for (let i = 0; i < SALT_SLOTS; i++) slots[i] = perm.inverse(i)
  return slots
}

/** The slots of one image: where each usable sample lives, where the salt is, and the chunks. */
export class SlotMap implements SlotCount {
  readonly usable: number
  readonly chunks: number
  readonly table: Uint32Array | undefined
  /** Salt slot indices in bit order (bit i of the salt lives in slot saltSlots[i]). */
  readonly saltSlots: Int32Array
  private readonly saltSorted: Int32Array
  private readonly channels: number

  /** The map of `image` (the salt's place takes SHA-256 and AES, asynchronous on the web). */
  static async build(
    p: Pick<StegoPrimitives, 'sha256' | 'aesCtrKeystream'>,
    image: RawImage,
  ): Promise<SlotMap> {
    const count = countSlots(image)
    return new SlotMap(image.channels, count, await placeSalt(p, image, count.usable))
  }

  private constructor(channels: number, count: SlotCount, saltSlots: Int32Array) {
    this.channels = channels
    this.usable = count.usable
    this.chunks = count.chunks
    this.table = count.table
    this.saltSlots = saltSlots
    this.saltSorted = saltSlots.slice().sort()
  }

  offsetOf(slot: number): number {
    if (this.table) return this.table[slot]!
    if (this.channels === 4) {
      const pixel = (slot / 3) | 0
      return pixel * 4 + (slot - pixel * 3)
    }
    return slot
  }

  /** Non-salt slots are numbered 0, 1, 2, ... in scan order; map that number back to a slot. */
  compactToSlot(t: number): number {
    return t + this.saltsBefore(t)
  }

  private saltsBefore(t: number): number {
    // the number of salt slots before the answer: largest k with saltSorted[k-1] - (k-1) <= t
    const sorted = this.saltSorted
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! - mid <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * Fast path of chunkOffsets: when the chunk's slots are CHUNK consecutive bytes (grey or RGB,
   * no salt slot inside), the byte offset of its first slot; otherwise -1. One load once
   * chunkRuns() was built, a binary search over the 128 salt slots before.
   */
  contiguousStart(chunk: number): number {
    if (this.channels === 4) return -1
    if (this.runsPerChunk && chunk < this.chunks) return this.runsPerChunk[chunk]!
    const t = chunk * CHUNK
    const k = this.saltsBefore(t)
    const s = t + k
    const next = k < this.saltSorted.length ? this.saltSorted[k]! : Infinity
    return next >= s + CHUNK ? s : -1
  }

  private runsPerChunk: Int32Array | undefined

  /** Grey and RGB images: chunks can be runs of consecutive bytes (see contiguousStart). */
  get hasRuns(): boolean {
    return this.channels !== 4
  }

  /** contiguousStart(chunk) for every chunk, built once: one load each in the keyed walk. */
  chunkRuns(): Int32Array {
    if (this.runsPerChunk) return this.runsPerChunk
    const out = new Int32Array(this.chunks)
    if (!this.hasRuns) out.fill(-1)
    else {
      // contiguousStart, with saltsBefore found by one merge instead of a search per chunk
      const sorted = this.saltSorted
      let k = 0
      for (let chunk = 0; chunk < this.chunks; chunk++) {
        const t = chunk * CHUNK
        while (k < sorted.length && sorted[k]! - k <= t) k++
        const s = t + k
        const next = k < sorted.length ? sorted[k]! : Infinity
        out[chunk] = next >= s + CHUNK ? s : -1
      }
    }
    this.runsPerChunk = out
    return out
  }

  /** Byte offsets of the CHUNK compact slots of `chunk`, in compact order. */
  chunkOffsets(chunk: number, out: Int32Array): void {
    const sorted = this.saltSorted
    const t = chunk * CHUNK
    let k = this.saltsBefore(t)
    let s = t + k
    const table = this.table
    const rgba = this.channels === 4
    for (let i = 0; i < CHUNK; i++, s++) {
      while (k < sorted.length && sorted[k] === s) {
        s++
        k++
      }
      if (table) out[i] = table[s]!
      else if (rgba) {
        const pixel = (s / 3) | 0
        out[i] = pixel * 4 + (s - pixel * 3)
      } else out[i] = s
    }
  }
}
