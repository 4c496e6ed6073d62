// Matrix embedding with binary Hamming codes (Crandall 1998; Westfeld, "F5", IH 2001) over the
// keyed slot order, with LSB matching (±1) for every change. One pass, in position order.
import { lsbBitset, type PositionBits } from './bit-planes.ts'
import type { Changer } from './changer.ts'
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
  /** From positionBits on the unchanged image: the bits a write reads, already in position order. */
  positions?: PositionBits
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

/** log2(CHUNK): position q lies in position chunk q >> CHUNK_SHIFT. */
const CHUNK_SHIFT = Math.log2(CHUNK)

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
 * Store a chunk's two words of per-slot bits (compact order) at stream[at], stream[at + 1] in
 * position order: position i holds slot i ^ mask, so bit 5 of the mask swaps the words and the
 * rest permutes the bits inside them.
 */
const putChunk = (stream: Int32Array, at: number, lo: number, hi: number, mask: number): void => {
  if (mask & 32) {
    const t = lo
    lo = hi
    hi = t
  }
  stream[at] = xorPermute(lo, mask & 31)
  stream[(at + 1) & (STREAM - 1)] = xorPermute(hi, mask & 31)
}

/**
 * One pass over the region, block by block, in keyed position order. The syndrome of a block is
 * the XOR of the (1-based) indices of its cells whose LSB is 1. Reading (`message` undefined) sets
 * the block's k bits of `out` from its syndrome; writing changes at most one cell per block (the
 * cell whose index is syndrome XOR wanted bits) by ±1.
 *
 * Speed, with exactly the result of the plain per-cell walk: position chunks go in batches. A
 * batch first gathers each chunk's 64 LSBs, in position order, into one bit stream: from
 * PositionBits when the caller prepared them (already in position order), else by evaluating the
 * permutation for the batch and reading the LSB bitset (or the bytes) of each chunk. Then it
 * computes the syndromes of the blocks it completed 32 cells at a time (XOR_TABLE) and hands
 * their ±1 changes to the changer in block order, so the random directions are drawn in the same
 * order as ever. A change finds its byte through the remembered chunks, without evaluating the
 * permutation again. Each cell is read once and its block is complete before it is changed, and
 * the changer writes only once the pass is done, so nothing read is ever stale.
 *
 * A class with one method per step (gather, block loop), each one hot loop, rather than one long
 * function: every step is a short function that runs hundreds of times per image and is
 * optimised on its own.
 */
class HammingPass {
  private readonly n: number
  private readonly k: number
  private readonly bits: number
  private readonly end: number
  private readonly firstChunk: number
  private readonly lastChunk: number
  /** Stream bit 0 is position origin: the region's first chunk starts at word 1. */
  private readonly origin: number
  /** Words of 32 cells per block (cells 0..n); the first masks off cell 0 (and cells past n). */
  private readonly words: number
  private readonly firstMask: number
  /** Writing with the directions taken from the gathered bits, not from the bytes. */
  private readonly fromBits: boolean
  private readonly positions: PositionBits | undefined
  private readonly lsb: Int32Array | undefined
  private readonly chunkRuns: Int32Array | undefined
  private readonly stride: number
  /** The message with two zero bytes after it, so the 24-bit window never reads past the end. */
  private readonly padded: Uint8Array
  /** reversed[v]: v with its k low bits in reverse order. */
  private readonly reversed: Int32Array
  /**
   * LSBs in position order, a ring of STREAM words: position p is bit (p − origin) mod 32·STREAM.
   * It holds a batch plus the longest block reaching back.
   */
  private readonly stream = new Int32Array(STREAM)
  /** Same layout: which positions hold 0 or 255 (only when directions come from the bits). */
  private readonly extStream: Int32Array
  /** Per remembered position chunk: byte offset of its first slot when consecutive (else −1). */
  private readonly ringRun = new Int32Array(RING)
  /** Per remembered position chunk: its slot chunk. */
  private readonly ringSlot = new Int32Array(RING)
  private readonly slotChunks = new Int32Array(BATCH)
  private readonly offsets = new Int32Array(CHUNK)
  /** Index of the open block's first message bit, and its first keyed position. */
  private first = 0
  private blockStart: number

  constructor(
    private readonly layout: Layout,
    private readonly data: Uint8Array,
    private readonly opts: PassOptions,
    private readonly message: Uint8Array | undefined,
    private readonly changer: Changer | undefined,
    private readonly out: Uint8Array | undefined,
  ) {
    const { start, k, bits } = opts
    const n = 2 ** k - 1
    this.n = n
    this.k = k
    this.bits = bits
    this.end = start + Math.ceil(bits / k) * n
    this.firstChunk = Math.floor(start / CHUNK)
    this.lastChunk = Math.ceil(this.end / CHUNK)
    this.origin = this.firstChunk * CHUNK - 32
    this.blockStart = start
    this.words = Math.max(1, (n + 1) >> 5)
    this.firstMask = n < 31 ? ((1 << (n + 1)) - 1) & ~1 : ~1
    const { map } = layout
    const writing = message !== undefined
    this.positions = writing ? opts.positions : undefined
    const large =
      this.positions !== undefined || (this.lastChunk - this.firstChunk) * CHUNK * 16 >= data.length
    this.fromBits = large && writing && data.length < 2 ** 30
    // the bitset costs one sweep of the image: worth it once the region reaches a few per cent
    this.lsb =
      this.positions === undefined && large && map.hasRuns
        ? lsbBitset(data, this.fromBits)
        : undefined
    this.chunkRuns = this.lsb !== undefined ? map.chunkRuns() : undefined
    this.stride = this.fromBits ? 2 : 1
    this.extStream = new Int32Array(this.fromBits ? STREAM : 0)
    this.padded = new Uint8Array(writing ? message.length + 2 : 0)
    if (writing) this.padded.set(message)
    this.reversed = new Int32Array(n + 1)
    for (let v = 1; v <= n; v++) {
      this.reversed[v] = (this.reversed[v >> 1]! >> 1) | ((v & 1) << (k - 1))
    }
  }

  /** Writing with k ≤ 5 (the most blocks, one word each) and directions from the bits. */
  private get quick(): boolean {
    return this.fromBits && this.words === 1
  }

  run(): void {
    const { firstChunk, lastChunk, end } = this
    const onProgress = this.opts.onProgress
    for (let batchStart = firstChunk; batchStart < lastChunk; batchStart += BATCH) {
      const count = Math.min(BATCH, lastChunk - batchStart)
      if (this.positions !== undefined) this.gatherRecords(this.positions, batchStart, count)
      else this.gatherImage(batchStart, count)
      // the blocks completed by this batch
      const gathered = Math.min(end, (batchStart + count) * CHUNK)
      if (this.quick) this.writeQuick(gathered)
      this.walk(gathered)
      if (onProgress && (batchStart - firstChunk) % PROGRESS_EVERY === 0) {
        onProgress((batchStart - firstChunk) / (lastChunk - firstChunk))
      }
    }
  }

  /** Gather a batch from PositionBits: the records are already in position order. */
  private gatherRecords(positions: PositionBits, batchStart: number, count: number): void {
    const { stream, extStream, ringRun, ringSlot, firstChunk } = this
    const { records, extremes } = positions
    const scramble = this.layout.scramble
    for (let j = 0; j < count; j++) {
      const chunk = batchStart + j
      const mask = scramble[chunk]! & (CHUNK - 1)
      const rec = chunk * 4
      const run = records[rec + 3]!
      const r = chunk & (RING - 1)
      ringRun[r] = run >= 0 ? run : -1
      ringSlot[r] = ~run
      const at = ((chunk - firstChunk) * 2 + 1) & (STREAM - 1)
      putChunk(stream, at, records[rec]!, records[rec + 1]!, mask)
      const e = records[rec + 2]!
      if (e === 0) {
        extStream[at] = 0
        extStream[(at + 1) & (STREAM - 1)] = 0
      } else putChunk(extStream, at, extremes[e - 2]!, extremes[e - 1]!, mask)
    }
  }

  /** Gather a batch by evaluating the permutation and reading the LSB bitset or the bytes. */
  private gatherImage(batchStart: number, count: number): void {
    const { stream, extStream, ringRun, ringSlot, slotChunks, firstChunk, lsb, stride } = this
    const { map, perm, scramble } = this.layout
    perm.inverseRange(batchStart, count === BATCH ? slotChunks : slotChunks.subarray(0, count))
    for (let j = 0; j < count; j++) {
      const chunk = batchStart + j
      const slotChunk = slotChunks[j]!
      const mask = scramble[chunk]! & (CHUNK - 1)
      const run =
        this.chunkRuns !== undefined ? this.chunkRuns[slotChunk]! : map.contiguousStart(slotChunk)
      const r = chunk & (RING - 1)
      ringRun[r] = run
      ringSlot[r] = slotChunk
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
        putChunk(stream, at, a, b, mask)
        if (this.fromBits) {
          let ea = lsb[w + 1]!
          let eb = lsb[w + 3]!
          if (sh !== 0) {
            ea = (ea >>> sh) | (eb << (32 - sh))
            eb = (eb >>> sh) | (lsb[w + 5]! << (32 - sh))
          }
          putChunk(extStream, at, ea, eb, mask)
        }
      } else this.gatherBytes(slotChunk, run, mask, at)
    }
  }

  /** One chunk's bits read from its bytes (RGBA, chunks with a salt slot, small regions). */
  private gatherBytes(slotChunk: number, run: number, mask: number, at: number): void {
    const { offsets, data } = this
    if (run >= 0) for (let i = 0; i < CHUNK; i++) offsets[i] = run + i
    else this.layout.map.chunkOffsets(slotChunk, offsets)
    let lo = 0
    let hi = 0
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
    this.stream[at] = lo
    this.stream[(at + 1) & (STREAM - 1)] = hi
    if (this.fromBits) {
      this.extStream[at] = elo
      this.extStream[(at + 1) & (STREAM - 1)] = ehi
    }
  }

  /** Byte offset of slot `inside` (compact order) of a remembered position chunk. */
  private offsetOf(chunk: number, inside: number): number {
    const r = chunk & (RING - 1)
    const run = this.ringRun[r]!
    if (run >= 0) return run + inside
    const map = this.layout.map
    return map.offsetOf(map.compactToSlot(this.ringSlot[r]! * CHUNK + inside))
  }

  /** The quick block loop: writing, k ≤ 5, directions from the bits (see `quick`). */
  private writeQuick(gathered: number): void {
    const { stream, extStream, padded, reversed, origin, n, k, bits, firstMask } = this
    const changer = this.changer!
    const scramble = this.layout.scramble
    // locals: a module binding would be loaded at every use
    const shift = CHUNK_SHIFT
    const inChunk = CHUNK - 1
    let { first, blockStart } = this
    for (; blockStart + n <= gathered; first += k, blockStart += n) {
      const at = blockStart - 1 - origin
      const w0 = (at >> 5) & (STREAM - 1)
      // the next word shifted in by 32 − sh in two steps, so that sh = 0 needs no branch
      const cells =
        ((stream[w0]! >>> at) | ((stream[(w0 + 1) & (STREAM - 1)]! << 1) << (31 - (at & 31)))) &
        firstMask
      // cells 0..n: two bytes up to k = 4, four for k = 5
      const low = XOR_TABLE[cells & 255]! ^ XOR_TABLE[256 + ((cells >>> 8) & 255)]!
      const syndrome =
        (n < 16
          ? low
          : low ^ XOR_TABLE[512 + ((cells >>> 16) & 255)]! ^ XOR_TABLE[768 + (cells >>> 24)]!) &
        0xffff
      // the block's k message bits, first one at bit 0: a 24-bit window, bit-reversed by table
      const byte = first >> 3
      const window = (padded[byte]! << 16) | (padded[byte + 1]! << 8) | padded[byte + 2]!
      const wanted = reversed[(window >>> (24 - (first & 7) - k)) & n]!
      // bits past the end of the message keep the current syndrome's value: no change needed
      const valid = first + k <= bits ? n : (1 << (bits - first)) - 1
      const d = (syndrome ^ wanted) & valid
      if (d !== 0) {
        const q = blockStart + d - 1
        const chunk = q >> shift
        const inside = (q & inChunk) ^ (scramble[chunk]! & inChunk)
        const qa = q - origin
        const word = (qa >> 5) & (STREAM - 1)
        changer.flipKnown(
          this.offsetOf(chunk, inside),
          (((extStream[word]! >>> qa) & 1) << 1) | ((stream[word]! >>> qa) & 1),
        )
      }
    }
    this.first = first
    this.blockStart = blockStart
  }

  /** The general block loop: reading, or writing with any k. */
  private walk(gathered: number): void {
    const { stream, extStream, padded, reversed, origin, n, k, bits, words, firstMask } = this
    const { message, out, fromBits } = this
    const scramble = this.layout.scramble
    const shift = CHUNK_SHIFT
    const inChunk = CHUNK - 1
    let { first, blockStart } = this
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
        continue
      }
      // the block's k message bits, first one at bit 0: a 24-bit window, bit-reversed by table
      const byte = first >> 3
      const window = (padded[byte]! << 16) | (padded[byte + 1]! << 8) | padded[byte + 2]!
      const wanted = reversed[(window >>> (24 - (first & 7) - k)) & n]!
      // bits past the end of the message keep the current syndrome's value: no change needed
      const valid = first + k <= bits ? n : (1 << (bits - first)) - 1
      const d = (syndrome ^ wanted) & valid
      if (d === 0) continue
      const q = blockStart + d - 1
      const chunk = q >> shift
      const inside = (q & inChunk) ^ (scramble[chunk]! & inChunk)
      const offset = this.offsetOf(chunk, inside)
      if (fromBits) {
        // the byte's flags from the streams, without touching the image
        const qa = q - origin
        const word = (qa >> 5) & (STREAM - 1)
        this.changer!.flipKnown(
          offset,
          (((extStream[word]! >>> qa) & 1) << 1) | ((stream[word]! >>> qa) & 1),
        )
      } else this.changer!.flip(offset)
    }
    this.first = first
    this.blockStart = blockStart
  }
}

/** Read `bits` message bits from the region. */
export const readRegion = (layout: Layout, data: Uint8Array, opts: PassOptions): Uint8Array => {
  const out = new Uint8Array(Math.ceil(opts.bits / 8))
  new HammingPass(layout, data, opts, undefined, undefined, out).run()
  return out
}

/**
 * Write `bits` bits of `message` into the region, changing at most one cell per block. The cells
 * are read from `data`, which must be the changer's source; the changes go through the changer
 * (into its target, when `finish()` is called).
 */
export const writeRegion = (
  layout: Layout,
  data: Uint8Array,
  message: Uint8Array,
  opts: PassOptions,
  changer: Changer,
): void => {
  if (changer.source !== data) throw new RangeError('writeRegion reads the changer’s source')
  new HammingPass(layout, data, opts, message, changer, undefined).run()
}
