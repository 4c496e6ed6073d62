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

export interface PassOptions {
  /** First keyed position of the region. */
  start: number
  k: number
  /** Message length in bits; the region holds ceil(bits / k) blocks. */
  bits: number
  onProgress?: (fraction: number) => void
  /** From copyForEmbed, for a write whose cells it covers unchanged. */
  bitset?: Int32Array
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * The LSB of every byte of `data` as a bitset: bit (b & 31) of word (b >> 5) * stride is
 * data[b] & 1. Built in one sequential sweep, so that the keyed (random-order) walk reads 4.5 MB of
 * bits instead of touching a new cache line of the 36 MB image for every chunk. With `extremes`
 * (stride 2), word (b >> 5) * 2 + 1 marks the bytes that are 0 or 255 (LSB matching's forced
 * directions), next to their LSBs so that one cache line serves both. Two spare words at the end.
 */
const lsbBitset = (data: Uint8Array, extremes: boolean, copy?: Uint8Array): Int32Array => {
  const stride = extremes ? 2 : 1
  const whole = data.length >> 5
  const words = new Int32Array((whole + 3) * stride)
  let from = 0
  if (
    LITTLE_ENDIAN &&
    data.byteOffset % 4 === 0 &&
    (copy === undefined || copy.byteOffset % 4 === 0)
  ) {
    const quads = new Uint32Array(data.buffer, data.byteOffset, whole * 8)
    const copyQuads = copy && new Uint32Array(copy.buffer, copy.byteOffset, whole * 8)
    for (let w = 0, q = 0; w < whole; w++) {
      let word = 0
      let ext = 0
      for (let j = 0; j < 32; j += 4, q++) {
        const x = quads[q]!
        if (copyQuads) copyQuads[q] = x
        if (extremes) {
          // a byte is 0 or 255 when its 8 bits are equal: x ^ (x >>> 1) is 0 in its low 7 bits;
          // the add sets bit 7 of every byte where they are not (at most 0xfe: no carry out)
          const unequal = ((x ^ (x >>> 1)) & 0x7f7f7f7f) + 0x7f7f7f7f
          // LSBs at bit 0 and 0/255 flags at bit 4 of each byte, gathered by one multiply:
          // bits 24..27 are the four LSBs, bits 28..31 the four flags (the partial products
          // land on distinct bits, so nothing carries)
          const both = Math.imul((x & 0x01010101) | ((~unequal >>> 3) & 0x10101010), 0x01020408)
          word |= ((both >>> 24) & 15) << j
          ext |= (both >>> 28) << j
        } else {
          // four bytes b0..b3 (one bit each after the mask) gathered into bits 24..27 by one multiply
          word |= ((Math.imul(x & 0x01010101, 0x01020408) >>> 24) & 15) << j
        }
      }
      words[w * stride] = word
      if (extremes) words[w * 2 + 1] = ext
    }
    from = whole * 32
  }
  if (copy) copy.set(data.subarray(from), from)
  for (let b = from; b < data.length; b++) {
    const v = data[b]!
    words[(b >> 5) * stride]! |= (v & 1) << (b & 31)
    if (extremes && (v === 0 || v === 255)) words[(b >> 5) * 2 + 1]! |= 1 << (b & 31)
  }
  return words
}

/** Prepared once by embed: the copy it writes into and its bitsets (see PassOptions.bitset). */
export interface EmbedCopy {
  data: Uint8Array
  bitset: Int32Array | undefined
}

/**
 * A copy of `data` for embed to write into, made in the same sweep that builds the LSB and 0/255
 * bitsets the body pass needs (grey and RGB only). Built before the salt and length field are
 * written: those change only their own slots, never a body cell, so the bitsets stay exact for
 * every cell the body pass reads.
 */
export const copyForEmbed = (data: Uint8Array, map: SlotMap): EmbedCopy => {
  if (!map.hasRuns || data.length >= 2 ** 30) return { data: data.slice(), bitset: undefined }
  const copy = new Uint8Array(data.length)
  return { data: copy, bitset: lsbBitset(data, true, copy) }
}

/** Deferred changes held before they are sorted by address and applied. */
const DEFERRED = 1 << 20
/** Bytes per bucket of the address sort: 2^15, so a bucket's writes stay in L1/L2. */
const BUCKET_SHIFT = 15

/**
 * Apply deferred ±1 changes (entries offset * 2 + up) in address order, bucketed by a counting
 * sort, so that the writes sweep the image instead of missing the cache once each. Every cell
 * changes at most once and every direction is already fixed, so the order is free.
 */
const applyDeferred = (
  data: Uint8Array,
  entries: Int32Array,
  count: number,
  sorted: Int32Array,
): void => {
  const buckets = (data.length >> BUCKET_SHIFT) + 1
  const starts = new Int32Array(buckets + 1)
  for (let c = 0; c < count; c++) starts[(entries[c]! >>> (BUCKET_SHIFT + 1)) + 1]!++
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!
  for (let c = 0; c < count; c++) {
    const e = entries[c]!
    sorted[starts[e >>> (BUCKET_SHIFT + 1)]!++] = e
  }
  for (let c = 0; c < count; c++) {
    const e = sorted[c]!
    const offset = e >>> 1
    data[offset] = data[offset]! + ((e & 1) << 1) - 1
  }
}

/** x with its bits permuted so that bit i of the result is bit (i XOR m) of x, for m in [0, 32). */
const xorPermute = (x: number, m: number): number => {
  let c = -(m & 1)
  x = (x & ~c) | ((((x & 0x55555555) << 1) | ((x >>> 1) & 0x55555555)) & c)
  c = -((m >> 1) & 1)
  x = (x & ~c) | ((((x & 0x33333333) << 2) | ((x >>> 2) & 0x33333333)) & c)
  c = -((m >> 2) & 1)
  x = (x & ~c) | ((((x & 0x0f0f0f0f) << 4) | ((x >>> 4) & 0x0f0f0f0f)) & c)
  c = -((m >> 3) & 1)
  x = (x & ~c) | ((((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)) & c)
  c = -((m >> 4) & 1)
  return (x & ~c) | (((x << 16) | (x >>> 16)) & c)
}

/** Position chunks handled per batch. */
const BATCH = 1024

/** Position chunks between progress reports (a multiple of BATCH). */
const PROGRESS_EVERY = 8 * BATCH

/** Chunks remembered for changes: a batch plus the ≤ 65 chunks a block can reach back. */
const RING = 2 * BATCH

/** Words in the ring of position-ordered LSBs: 2 per chunk of a batch, ×2 for blocks reaching back. */
const STREAM = 4 * BATCH

/**
 * XOR_TABLE[256 q + b]: for the byte b at byte q of a 32-cell word, the XOR of the indices
 * 8q + j of its set bits j (bits 0..4), with their parity in bit 16. The syndrome of a word of
 * cells 32m .. 32m + 31 is then four lookups: XOR of indices, plus 32m when the count is odd.
 */
const XOR_TABLE = (() => {
  const table = new Int32Array(1024)
  for (let q = 0; q < 4; q++) {
    for (let b = 0; b < 256; b++) {
      let x = 0
      for (let j = 0; j < 8; j++) if ((b >> j) & 1) x ^= (8 * q + j) | 0x10000
      table[256 * q + b] = x
    }
  }
  return table
})()

/**
 * One pass over the region, block by block, in keyed position order. The syndrome of a block is
 * the XOR of the (1-based) indices of its cells whose LSB is 1. Reading (`message` undefined) sets
 * the block's k bits of `out` from its syndrome; writing changes at most one cell per block (the
 * cell whose index is syndrome XOR wanted bits) by ±1.
 *
 * Speed, with exactly the result of the plain per-cell walk: position chunks go in batches. A
 * batch first evaluates the permutation for all its chunks and gathers each chunk's 64 LSBs, in
 * position order, into one bit stream (from the LSB bitset for contiguous chunks: the image is
 * visited in random order, so a tight gather loop lets the CPU overlap the cache misses). Then it
 * computes the syndromes of the blocks it completed 32 cells at a time (XOR_TABLE), and applies
 * their ±1 changes in block order, so the random directions are drawn in the same order as ever.
 * A change finds its byte through the remembered chunks, without evaluating the permutation again.
 * Each cell is read once and its block is complete before it is changed, so deferring changes and
 * never updating the bit stream or the bitset is safe.
 */
const pass = (
  layout: Layout,
  data: Uint8Array,
  opts: PassOptions,
  message: Uint8Array | undefined,
  changer: Changer | undefined,
  out: Uint8Array | undefined,
): void => {
  const { start, k, bits } = opts
  const n = 2 ** k - 1
  const blocks = Math.ceil(bits / k)
  const end = start + blocks * n
  const { map, perm, scramble } = layout
  const offsets = new Int32Array(CHUNK)
  const ringRun = new Int32Array(RING)
  const ringSlot = new Int32Array(RING)
  const firstChunk = Math.floor(start / CHUNK)
  const lastChunk = Math.ceil(end / CHUNK)
  const given = message !== undefined ? opts.bitset : undefined
  const large = given !== undefined || (lastChunk - firstChunk) * CHUNK * 16 >= data.length
  // writing a large region defers its changes: directions come from the bitsets, in block order
  const defer = large && message !== undefined && data.length < 2 ** 30
  // the bitset costs one sweep of the image: worth it once the region reaches a few per cent
  const lsb = given ?? (large && map.hasRuns ? lsbBitset(data, defer) : undefined)
  const chunkRuns = lsb !== undefined ? map.chunkRuns() : undefined
  const stride = defer ? 2 : 1
  const deferred = new Int32Array(defer ? Math.min(DEFERRED, blocks) : 0)
  const sorted = new Int32Array(deferred.length)
  let deferredCount = 0
  const slotChunks = new Int32Array(BATCH)
  /**
   * LSBs in position order, a ring of STREAM words: position p is bit (p − origin) mod 32·STREAM,
   * where origin puts the region's first chunk at word 1 (bit 0 of a block's first word, the cell
   * before it, is always masked off). It holds a batch plus the longest block reaching back.
   */
  const stream = new Int32Array(STREAM)
  const origin = firstChunk * CHUNK - 32
  /** Same layout: which positions hold 0 or 255 (only when changes are deferred). */
  const extStream = new Int32Array(defer ? STREAM : 0)
  /** Byte offsets to change, in block order; at most one block per cell of a batch, plus 65. */
  const pending = new Int32Array(message === undefined || defer ? 0 : BATCH * CHUNK + 65)
  /** The message with two zero bytes after it, so the 24-bit window never reads past the end. */
  const padded = new Uint8Array(message === undefined ? 0 : message.length + 2)
  if (message !== undefined) padded.set(message)
  /** reversed[v]: v with its k low bits in reverse order. */
  const reversed = new Int32Array(n + 1)
  for (let v = 1; v <= n; v++) reversed[v] = (reversed[v >> 1]! >> 1) | ((v & 1) << (k - 1))
  /** Words of 32 cells per block (cells 0..n); the first word masks off cell 0 (and, for k < 5, the cells past n). */
  const words = Math.max(1, (n + 1) >> 5)
  const firstMask = n < 31 ? ((1 << (n + 1)) - 1) & ~1 : ~1
  const onProgress = opts.onProgress
  /** Index of the open block's first message bit, and its first keyed position. */
  let first = 0
  let blockStart = start
  for (let batchStart = firstChunk; batchStart < lastChunk; batchStart += BATCH) {
    const count = Math.min(BATCH, lastChunk - batchStart)
    perm.inverseRange(batchStart, count === BATCH ? slotChunks : slotChunks.subarray(0, count))
    // gather the LSBs of each chunk in position order into the stream
    for (let j = 0; j < count; j++) {
      const chunk = batchStart + j
      const slotChunk = slotChunks[j]!
      const mask = scramble[chunk]! & (CHUNK - 1)
      const run = chunkRuns !== undefined ? chunkRuns[slotChunk]! : map.contiguousStart(slotChunk)
      const r = chunk & (RING - 1)
      ringRun[r] = run
      ringSlot[r] = slotChunk
      let lo = 0
      let hi = 0
      const at = ((chunk - firstChunk) * 2 + 1) & (STREAM - 1)
      if (run >= 0 && lsb !== undefined) {
        const w = (run >>> 5) * stride
        const sh = run & 31
        let a = lsb[w]!
        let b = lsb[w + stride]!
        if (sh !== 0) {
          a = (a >>> sh) | (b << (32 - sh))
          b = (b >>> sh) | (lsb[w + 2 * stride]! << (32 - sh))
        }
        // position i holds slot i ^ mask: bit 5 of the mask swaps the halves, the rest permutes them
        if (mask & 32) {
          const t = a
          a = b
          b = t
        }
        lo = xorPermute(a, mask & 31)
        hi = xorPermute(b, mask & 31)
        if (defer) {
          let ea = lsb[w + 1]!
          let eb = lsb[w + 3]!
          if (sh !== 0) {
            ea = (ea >>> sh) | (eb << (32 - sh))
            eb = (eb >>> sh) | (lsb[w + 5]! << (32 - sh))
          }
          if (mask & 32) {
            const t = ea
            ea = eb
            eb = t
          }
          extStream[at] = xorPermute(ea, mask & 31)
          extStream[(at + 1) & (STREAM - 1)] = xorPermute(eb, mask & 31)
        }
      } else {
        if (run >= 0) for (let i = 0; i < CHUNK; i++) offsets[i] = run + i
        else map.chunkOffsets(slotChunk, offsets)
        let elo = 0
        let ehi = 0
        for (let i = 0; i < CHUNK; i++) {
          const v = data[offsets[i ^ mask]!]!
          const e = v === 0 || v === 255 ? 1 : 0
          if (i < 32) {
            lo |= (v & 1) << i
            elo |= e << i
          } else {
            hi |= (v & 1) << i
            ehi |= e << i
          }
        }
        if (defer) {
          extStream[at] = elo
          extStream[(at + 1) & (STREAM - 1)] = ehi
        }
      }
      stream[at] = lo
      stream[(at + 1) & (STREAM - 1)] = hi
    }
    // the blocks completed by this batch
    const gathered = Math.min(end, (batchStart + count) * CHUNK)
    let changes = 0
    for (; blockStart + n <= gathered; first += k, blockStart += n) {
      // cell c of the block is position blockStart + c − 1: word m holds cells 32m .. 32m + 31
      const bit0 = blockStart - 1 - origin
      let syndrome = 0
      for (let m = 0, at = bit0; m < words; m++, at += 32) {
        const w0 = (at >> 5) & (STREAM - 1)
        const sh = at & 31
        let cells =
          sh === 0
            ? stream[w0]!
            : (stream[w0]! >>> sh) | (stream[(w0 + 1) & (STREAM - 1)]! << (32 - sh))
        if (m === 0) cells &= firstMask
        const x =
          XOR_TABLE[cells & 255]! ^
          XOR_TABLE[256 + ((cells >>> 8) & 255)]! ^
          XOR_TABLE[512 + ((cells >>> 16) & 255)]! ^
          XOR_TABLE[768 + (cells >>> 24)]!
        syndrome ^= (x & 0xffff) ^ ((m << 5) & -((x >>> 16) & 1))
      }
      if (message === undefined) {
        for (let u = 0; u < k && first + u < bits; u++) {
          if ((syndrome >> u) & 1) out![(first + u) >> 3]! |= 0x80 >> ((first + u) & 7)
        }
      } else {
        // the block's k message bits, first one at bit 0: a 24-bit window, bit-reversed by table
        const byte = first >> 3
        const window = (padded[byte]! << 16) | (padded[byte + 1]! << 8) | padded[byte + 2]!
        const wanted = reversed[(window >>> (24 - (first & 7) - k)) & n]!
        // bits past the end of the message keep the current syndrome's value: no change needed
        const valid = first + k <= bits ? n : (1 << (bits - first)) - 1
        const d = (syndrome ^ wanted) & valid
        if (d !== 0) {
          const q = blockStart + d - 1
          const chunk = (q / CHUNK) | 0
          const rq = chunk & (RING - 1)
          const inside = (q & (CHUNK - 1)) ^ (scramble[chunk]! & (CHUNK - 1))
          const run = ringRun[rq]!
          const offset =
            run >= 0
              ? run + inside
              : map.offsetOf(map.compactToSlot(ringSlot[rq]! * CHUNK + inside))
          if (defer) {
            // the direction now, in block order, from the cell's bits in the streams
            const at = q - origin
            const word = (at >> 5) & (STREAM - 1)
            const up = changer!.direction(
              ((extStream[word]! >>> at) & 1) === 1,
              ((stream[word]! >>> at) & 1) === 1,
            )
            if (deferredCount === deferred.length) {
              applyDeferred(data, deferred, deferredCount, sorted)
              deferredCount = 0
            }
            deferred[deferredCount++] = offset * 2 + up
          } else pending[changes++] = offset
        }
      }
    }
    for (let c = 0; c < changes; c++) changer!.flip(data, pending[c]!)
    if (onProgress && (batchStart - firstChunk) % PROGRESS_EVERY === 0) {
      onProgress((batchStart - firstChunk) / (lastChunk - firstChunk))
    }
  }
  if (deferredCount > 0) applyDeferred(data, deferred, deferredCount, sorted)
}

/** Read `bits` message bits from the region. */
export const readRegion = (layout: Layout, data: Uint8Array, opts: PassOptions): Uint8Array => {
  const out = new Uint8Array(Math.ceil(opts.bits / 8))
  pass(layout, data, opts, undefined, undefined, out)
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
    data[offset] = this.direction(v === 0 || v === 255, (v & 1) === 1) ? v + 1 : v - 1
  }

  /**
   * Count one change and choose its direction, 1 (up) or 0 (down), for a value known only by
   * whether it is 0 or 255 and its LSB: forced at the ends, else the next random bit. flip() and
   * deferred changes draw the random bits in the same order.
   */
  direction(extreme: boolean, lsbOne: boolean): number {
    this.changed++
    if (extreme) return lsbOne ? 0 : 1
    if (this.used === this.pool.length * 8) {
      this.pool = randomBytes(4096)
      this.used = 0
    }
    const up = (this.pool[this.used >> 3]! >> (this.used & 7)) & 1
    this.used++
    return up
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
  pass(layout, data, opts, message, changer, undefined)
}
