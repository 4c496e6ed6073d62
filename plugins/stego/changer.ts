// The ±1 changes of LSB matching: random directions drawn in a fixed order (forced at 0 and 255),
// the writes collected and made in address order, into the cover's copy as it is made.
import type { StegoPrimitives } from './primitives.ts'

/** Most changes held before they are applied: 4 bytes each, plus as much again for the sort. */
const MAX_PENDING = 1 << 22
/** Bytes per bucket of the address sort: 2^15, so that a bucket's writes stay in L1/L2. */
const BUCKET_SHIFT = 15
/** Random bytes drawn at a time for the directions (how they are consumed: golden.test.ts pins it). */
const POOL_BYTES = 4096

/** WebCrypto's generator, present in browsers and Node alike: the default outside the codec. */
const webRandomBytes = (length: number): Uint8Array =>
  globalThis.crypto.getRandomValues(new Uint8Array(length))

/**
 * Changes bytes of `target` by ±1, each one at most once. The direction of a change depends only
 * on the byte's value in `source`, which is never written unless it is also the target. A
 * separate target is filled with a copy of the source bucket by bucket while the first batch of
 * changes is applied, so the image is swept once instead of copied, then revisited in random order.
 * Changes are held (as offset · 2 + direction) until `finish()` or until MAX_PENDING are waiting.
 */
export class Changer {
  /** Changes so far (counted when their direction is chosen). */
  changed = 0
  private pool: Uint8Array
  private used = 0
  private readonly pending: Int32Array
  private sorted: Int32Array | undefined
  private count = 0
  /** Held changes per bucket of the address sort. */
  private readonly bucketSizes: Int32Array
  private copied: boolean

  /**
   * `expected`: an upper bound on the number of changes, to size the buffer. `randomBytes`: the
   * directions' source (the codec's primitives; tests pin it to fix the output).
   */
  constructor(
    readonly source: Uint8Array,
    readonly target: Uint8Array = source,
    expected = MAX_PENDING,
    private readonly randomBytes: StegoPrimitives['randomBytes'] = webRandomBytes,
  ) {
    if (target.length !== source.length) throw new RangeError('target and source differ in length')
    this.pool = randomBytes(POOL_BYTES)
    this.copied = target === source
    // offset · 2 + direction must fit an int32; beyond that, changes are made at once
    const size = source.length < 2 ** 30 ? Math.max(1, Math.min(expected, MAX_PENDING)) : 0
    this.pending = new Int32Array(size)
    this.bucketSizes = new Int32Array((source.length >> BUCKET_SHIFT) + 1)
  }

  /** Change byte `offset` by ±1: a random direction, forced at 0 and 255. */
  flip(offset: number): void {
    const v = this.source[offset]!
    this.flipKnown(offset, (v === 0 || v === 255 ? 2 : 0) | (v & 1))
  }

  /**
   * flip() for a byte known only by two flags: bit 1 is set when it is 0 or 255, bit 0 is its
   * LSB. The direction is up for 0 and down for 255, else the next random bit, so every caller
   * draws the random bits in the order of its changes and the bits a change gets never vary.
   */
  flipKnown(offset: number, flags: number): void {
    const up = (flags & 2) !== 0 ? (flags & 1) ^ 1 : this.randomBit()
    this.changed++
    if (this.count === this.pending.length) {
      this.apply()
      if (this.pending.length === 0) {
        this.target[offset] = this.source[offset]! + (up << 1) - 1
        return
      }
    }
    this.pending[this.count++] = offset * 2 + up
    this.bucketSizes[offset >>> BUCKET_SHIFT]!++
  }

  private randomBit(): number {
    if (this.used === this.pool.length * 8) {
      this.pool = this.randomBytes(POOL_BYTES)
      this.used = 0
    }
    const bit = (this.pool[this.used >> 3]! >> (this.used & 7)) & 1
    this.used++
    return bit
  }

  /**
   * Make every held change (and the copy, if not made yet); returns the target. `scratch`, when
   * given, is memory the caller no longer needs: the address sort uses it if it is large enough.
   */
  finish(scratch?: Int32Array): Uint8Array {
    if (scratch && scratch.length >= this.count) this.sorted ??= scratch
    if (this.count > 0 || !this.copied) this.apply()
    return this.target
  }

  /**
   * The held changes in address order, bucketed by a counting sort; the first time, each bucket
   * is copied from the source just before its changes are made, while it is in the cache.
   */
  private apply(): void {
    const { source, target, pending, count } = this
    if (count === 0) {
      if (!this.copied) target.set(source)
      this.copied = true
      return
    }
    const length = source.length
    const { bucketSizes } = this
    const buckets = bucketSizes.length
    // ends[b] is where bucket b starts in `sorted`
    const ends = new Int32Array(buckets)
    for (let b = 1; b < buckets; b++) ends[b] = ends[b - 1]! + bucketSizes[b - 1]!
    bucketSizes.fill(0)
    const sorted = (this.sorted ??= new Int32Array(pending.length))
    // ends[b] becomes where bucket b ends in `sorted`
    bucketSort(pending, count, ends, sorted)
    for (let b = 0; b < buckets; b++) {
      if (!this.copied) {
        const lo = b << BUCKET_SHIFT
        target.set(source.subarray(lo, Math.min(length, lo + (1 << BUCKET_SHIFT))), lo)
      }
      applySorted(target, sorted, b === 0 ? 0 : ends[b - 1]!, ends[b]!)
    }
    this.copied = true
    this.count = 0
  }
}

// One loop per function, each optimised on its own (see HammingPass in matrix.ts).

/** Entries into `sorted` by bucket; starts[b] (the start of bucket b) becomes its end. */
const bucketSort = (
  entries: Int32Array,
  count: number,
  starts: Int32Array,
  sorted: Int32Array,
): void => {
  for (let c = 0; c < count; c++) {
    const e = entries[c]!
    sorted[starts[e >>> (BUCKET_SHIFT + 1)]!++] = e
  }
}

/** Make the changes sorted[from .. to − 1] (offset · 2 + direction). */
const applySorted = (target: Uint8Array, sorted: Int32Array, from: number, to: number): void => {
  for (let c = from; c < to; c++) {
    const e = sorted[c]!
    const offset = e >>> 1
    target[offset] = target[offset]! + ((e & 1) << 1) - 1
  }
}
