// The image's least significant bits (and 0/255 flags) packed 32 to a word, in scan order or in the
// keyed position order of the body: what the Hamming pass reads instead of the pixels.
import type { Permutation } from './permutation.ts'
import { CHUNK, type SlotMap } from './slots.ts'

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** 32-byte words of the image per tile of positionBits: 32 KiB of pixels, 8 KiB of bits. */
const TILE_WORDS = 1024

/**
 * Bit 7 of each byte of the result is set where that byte of x is neither 0 nor 255: a byte is 0
 * or 255 when its 8 bits are equal, i.e. x ^ (x >>> 1) is 0 in its low 7 bits, and adding 0x7f
 * to those 7 bits carries into bit 7 unless they are all 0 (at most 0xfe: nothing crosses bytes).
 */
const notExtreme = (x: number): number => ((x ^ (x >>> 1)) & 0x7f7f7f7f) + 0x7f7f7f7f

/**
 * Eight flags, at bit 0 of each byte of `low` (bytes 0..3) and of `high` (bytes 4..7), gathered
 * into bits 0..7 by one multiply: with `high` moved to bit 4 of each byte, bit 8i of the product's
 * input lands on bit 24 + i and bit 8i + 4 on bit 28 + i, and every other partial product lands
 * on a distinct bit below 24 or above 31, so nothing carries into the result.
 */
const gather8 = (low: number, high: number): number =>
  Math.imul(low | (high << 4), 0x01020408) >>> 24

/**
 * Bits of the 32-byte words [from, to) of `data` into `out`, which must be zero there: word w's
 * LSBs (bit b & 31 is data[b] & 1) at out[(w − from) * stride] and, with `extremes` (stride 2),
 * its 0/255 flags at the next index, computed only for words that hold such a byte. Words past
 * the end of the data stay zero.
 */
const fillBitset = (
  data: Uint8Array,
  from: number,
  to: number,
  out: Int32Array,
  extremes: boolean,
): void => {
  const stride = extremes ? 2 : 1
  const whole = data.length >> 5
  let next = from
  if (LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
    const quads = new Int32Array(data.buffer, data.byteOffset, whole * 8)
    const end = Math.min(to, whole)
    for (let w = from, q = from * 8, o = 0; w < end; w++, q += 8, o += stride) {
      let word = 0
      let plain = -1
      for (let j = 0; j < 8; j += 2) {
        const x = quads[q + j]!
        const y = quads[q + j + 1]!
        word |= gather8(x & 0x01010101, y & 0x01010101) << (4 * j)
        if (extremes) plain &= notExtreme(x) & notExtreme(y)
      }
      out[o] = word
      if (extremes && (~plain & 0x80808080) !== 0) {
        let ext = 0
        for (let j = 0; j < 8; j += 2) {
          const x = ~notExtreme(quads[q + j]!)
          const y = ~notExtreme(quads[q + j + 1]!)
          ext |= gather8((x >>> 7) & 0x01010101, (y >>> 7) & 0x01010101) << (4 * j)
        }
        out[o + 1] = ext
      }
    }
    next = Math.max(from, end)
  }
  const last = Math.min(data.length, to * 32)
  for (let b = next * 32; b < last; b++) {
    const v = data[b]!
    const o = ((b >> 5) - from) * stride
    out[o]! |= (v & 1) << (b & 31)
    if (extremes && (v === 0 || v === 255)) out[o + 1]! |= 1 << (b & 31)
  }
}

/**
 * The LSB of every byte of `data` as a bitset: bit (b & 31) of word (b >> 5) * stride is
 * data[b] & 1. Built in one sequential sweep, so that a walk in keyed (random) order reads 4.5 MB
 * of bits instead of touching a new cache line of the 36 MB image for every chunk. With `extremes`
 * (stride 2), word (b >> 5) * 2 + 1 marks the bytes that are 0 or 255 (LSB matching's forced
 * directions), next to their LSBs so that one cache line serves both. Two spare words at the end.
 */
export const lsbBitset = (data: Uint8Array, extremes: boolean): Int32Array => {
  const stride = extremes ? 2 : 1
  const whole = data.length >> 5
  const words = new Int32Array((whole + 3) * stride)
  fillBitset(data, 0, whole + 1, words, extremes)
  return words
}

/**
 * The bits of every whole chunk, stored by keyed position chunk, for one write (the body).
 *
 * Record c (4 words of `records`) belongs to position chunk c, whose slots are those of slot
 * chunk s = π⁻¹(c): the LSBs of its 64 slots in compact order (2 words; the in-chunk XOR scramble
 * is not applied), 0 or the index + 2 in `extremes` of the chunk's two words of 0/255 flags (kept
 * only for chunks that hold such a byte), and the byte offset of its first slot when the 64 are
 * consecutive bytes, else ~s.
 */
export interface PositionBits {
  readonly records: Int32Array
  readonly extremes: Int32Array
}

/**
 * PositionBits for grey and RGB images (undefined otherwise). Slot chunks are visited in scan
 * order, tile by tile, so the image is read once and sequentially, and each is written to its
 * position chunk π(s): one scattered write per chunk, where a walk in position order would make
 * two dependent scattered reads (run table, then bitset). Reflects `data` as given: build it
 * before any change.
 */
export const positionBits = (
  data: Uint8Array,
  map: SlotMap,
  perm: Permutation,
): PositionBits | undefined => {
  // records hold byte offsets as int32
  if (!map.hasRuns || data.length >= 2 ** 30) return undefined
  const builder = new PositionBitsBuilder(data, map, perm)
  const runs = map.chunkRuns()
  const chunks = map.chunks
  for (let w0 = 0, s = 0; s < chunks; w0 += TILE_WORDS) {
    // the slot chunks that start in this tile (and any with a salt slot among them)
    const tileEnd = (w0 + TILE_WORDS) * 32
    let to = s
    while (to < chunks && runs[to]! < tileEnd) to++
    builder.addTile(w0, s, to)
    s = to
  }
  // the ≤ 128 chunks with a salt slot inside, whose slots skip that byte
  for (let s = 0; s < chunks; s++) if (runs[s]! < 0) builder.addFromBytes(s)
  return builder.result()
}

/** The state of positionBits; one method per loop, each run many times (see HammingPass). */
class PositionBitsBuilder {
  private readonly records: Int32Array
  /** Most chunks hold no 0 or 255: grown on demand. */
  private extremes = new Int32Array(1024)
  private extCount = 0
  private readonly runs: Int32Array
  /** π(s) for the slot chunks of a tile (at most one per 64 bytes, plus salt chunks). */
  private readonly positionOf = new Int32Array((TILE_WORDS * 32) / CHUNK + 129)
  /** Bits of image words w0 .. w0 + TILE_WORDS + 2: a chunk starting in the tile reads ≤ 3 words. */
  private readonly tile = new Int32Array((TILE_WORDS + 3) * 2)
  private readonly offsets = new Int32Array(CHUNK)

  constructor(
    private readonly data: Uint8Array,
    private readonly map: SlotMap,
    private readonly perm: Permutation,
  ) {
    this.records = new Int32Array(map.chunks * 4)
    this.runs = map.chunkRuns()
  }

  /** Slot chunks from .. to − 1, whose consecutive runs start in the tile at image word w0. */
  addTile(w0: number, from: number, to: number): void {
    const { tile, runs, positionOf } = this
    tile.fill(0)
    fillBitset(this.data, w0, w0 + TILE_WORDS + 3, tile, true)
    this.perm.forwardRange(from, positionOf.subarray(0, to - from))
    for (let s = from; s < to; s++) {
      const run = runs[s]!
      if (run < 0) continue
      const w = ((run >>> 5) - w0) * 2
      const sh = run & 31
      let lo = tile[w]!
      let hi = tile[w + 2]!
      let elo = tile[w + 1]!
      let ehi = tile[w + 3]!
      if (sh !== 0) {
        lo = (lo >>> sh) | (hi << (32 - sh))
        hi = (hi >>> sh) | (tile[w + 4]! << (32 - sh))
        elo = (elo >>> sh) | (ehi << (32 - sh))
        ehi = (ehi >>> sh) | (tile[w + 5]! << (32 - sh))
      }
      this.store(positionOf[s - from]!, lo, hi, elo, ehi, run)
    }
  }

  /** Slot chunk s, read byte by byte. */
  addFromBytes(s: number): void {
    const { offsets, data } = this
    this.map.chunkOffsets(s, offsets)
    let lo = 0
    let hi = 0
    let elo = 0
    let ehi = 0
    for (let i = 0; i < CHUNK; i++) {
      const v = data[offsets[i]!]!
      const e = v === 0 || v === 255 ? 1 : 0
      if (i < 32) {
        lo |= (v & 1) << i
        elo |= e << i
      } else {
        hi |= (v & 1) << i
        ehi |= e << i
      }
    }
    this.store(this.perm.forward(s), lo, hi, elo, ehi, ~s)
  }

  private store(c: number, lo: number, hi: number, elo: number, ehi: number, run: number): void {
    const at = c * 4
    const records = this.records
    records[at] = lo
    records[at + 1] = hi
    records[at + 3] = run
    if ((elo | ehi) === 0) return
    if (this.extCount === this.extremes.length) {
      const grown = new Int32Array(this.extremes.length * 2)
      grown.set(this.extremes)
      this.extremes = grown
    }
    this.extremes[this.extCount] = elo
    this.extremes[this.extCount + 1] = ehi
    this.extCount += 2
    records[at + 2] = this.extCount
  }

  result(): PositionBits {
    return { records: this.records, extremes: this.extremes }
  }
}
