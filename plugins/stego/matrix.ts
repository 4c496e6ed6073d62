// Matrix embedding with binary Hamming codes (Crandall 1998; Westfeld, "F5", IH 2001) over the
// keyed slot order, with LSB matching (±1) for every change. One pass, in position order.
import { randomBytes } from 'node:crypto'
import type { Permutation } from './permutation.ts'
import { CHUNK, type SlotMap } from './slots.ts'

/** Largest Hamming parameter: past it the change count barely falls (∝ 1/k) while the cells
 * touched grow as 2^k / k. */
export const MAX_K = 12

/**
 * Largest k in [1, MAX_K] such that ceil(bits / k) blocks of 2^k − 1 cells fit in `cells`;
 * 0 when even k = 1 does not fit. Embedder and extractor compute it from the same numbers.
 */
export const chooseK = (bits: number, cells: number): number => {
  for (let k = MAX_K; k >= 1; k--) if (Math.ceil(bits / k) * (2 ** k - 1) <= cells) return k
  return 0
}

/** Where positions live: the keyed chunk order plus the per-chunk XOR scramble. */
export interface Layout {
  map: SlotMap
  perm: Permutation
  /** One byte per position chunk, XORed (mod CHUNK) into the index inside the chunk. */
  scramble: Uint8Array
}

/** Byte offset of the slot at keyed position q. */
export const offsetAt = (layout: Layout, q: number): number => {
  const chunk = Math.floor(q / CHUNK)
  const inside = (q - chunk * CHUNK) ^ (layout.scramble[chunk]! & (CHUNK - 1))
  return layout.map.offsetOf(layout.map.compactToSlot(layout.perm.inverse(chunk) * CHUNK + inside))
}

/** Bit `index` of a byte string, most significant bit first. */
const bitAt = (bytes: Uint8Array, index: number): number => (bytes[index >> 3]! >> (7 - (index & 7))) & 1

export interface PassOptions {
  /** First keyed position of the region. */
  start: number
  k: number
  /** Message length in bits; the region holds ceil(bits / k) blocks. */
  bits: number
  onProgress?: (fraction: number) => void
}

/** Position chunks between progress reports. */
const PROGRESS_EVERY = 8192

/**
 * Walk the region block by block; call done(block, syndrome, blockStart) as each block closes.
 * The syndrome of a block is the XOR of the (1-based) indices of its cells whose LSB is 1.
 */
const walk = (
  layout: Layout,
  data: Uint8Array,
  opts: PassOptions,
  done: (block: number, syndrome: number, blockStart: number) => void,
): void => {
  const { start, k, bits } = opts
  const n = 2 ** k - 1
  const blocks = Math.ceil(bits / k)
  const end = start + blocks * n
  const { map, perm, scramble } = layout
  const offsets = new Int32Array(CHUNK)
  const firstChunk = Math.floor(start / CHUNK)
  const lastChunk = Math.ceil(end / CHUNK)
  let block = 0
  let cell = 1
  let syndrome = 0
  let blockStart = start
  for (let chunk = firstChunk; chunk < lastChunk; chunk++) {
    const slotChunk = perm.inverse(chunk)
    const mask = scramble[chunk]! & (CHUNK - 1)
    const base = chunk * CHUNK
    const from = Math.max(start, base) - base
    const to = Math.min(end, base + CHUNK) - base
    const run = map.contiguousStart(slotChunk)
    if (run < 0) map.chunkOffsets(slotChunk, offsets)
    for (let i = from; i < to; i++) {
      const offset = run < 0 ? offsets[i ^ mask]! : run + (i ^ mask)
      // branch-free: the LSBs are random, a branch on them would mispredict half the time
      syndrome ^= cell & -(data[offset]! & 1)
      if (++cell > n) {
        done(block, syndrome, blockStart)
        block++
        blockStart += n
        cell = 1
        syndrome = 0
      }
    }
    if (opts.onProgress && (chunk - firstChunk) % PROGRESS_EVERY === 0) {
      opts.onProgress((chunk - firstChunk) / (lastChunk - firstChunk))
    }
  }
}

/** Read `bits` message bits from the region. */
export const readRegion = (layout: Layout, data: Uint8Array, opts: PassOptions): Uint8Array => {
  const out = new Uint8Array(Math.ceil(opts.bits / 8))
  const { k, bits } = opts
  walk(layout, data, opts, (block, syndrome) => {
    const first = block * k
    for (let u = 0; u < k && first + u < bits; u++) {
      if ((syndrome >> u) & 1) out[(first + u) >> 3]! |= 0x80 >> ((first + u) & 7)
    }
  })
  return out
}

/** Applies ±1 changes: LSB matching with a random direction, forced at 0 and 255. */
export class Changer {
  changed = 0
  private pool = randomBytes(4096)
  private used = 0

  /** Flip the LSB of data[offset] by ±1. */
  flip(data: Uint8Array, offset: number): void {
    const v = data[offset]!
    let up: boolean
    if (v === 0) up = true
    else if (v === 255) up = false
    else {
      if (this.used === this.pool.length * 8) {
        this.pool = randomBytes(4096)
        this.used = 0
      }
      up = ((this.pool[this.used >> 3]! >> (this.used & 7)) & 1) === 1
      this.used++
    }
    data[offset] = up ? v + 1 : v - 1
    this.changed++
  }
}

/** Write `bits` bits of `message` into the region, changing at most one cell per block. */
export const writeRegion = (
  layout: Layout,
  data: Uint8Array,
  message: Uint8Array,
  opts: PassOptions,
  changer: Changer,
): void => {
  const { k, bits } = opts
  walk(layout, data, opts, (block, syndrome, blockStart) => {
    const first = block * k
    // bits past the end of the message take the current syndrome's value: no change needed
    let target = syndrome
    for (let u = 0; u < k && first + u < bits; u++) {
      target = (target & ~(1 << u)) | (bitAt(message, first + u) << u)
    }
    const d = syndrome ^ target
    if (d !== 0) changer.flip(data, offsetAt(layout, blockStart + d - 1))
  })
}
