// Capacity of an opaque image from its size alone (no pixels needed): the same numbers as
// codec.capacity() for an RGB or greyscale image without transparency. Layout in docs/stego.md.
import { SAFE_RATE } from './create-codec.ts'
import { TAG_BYTES, paddedLength } from './payload.ts'
import { CHUNK, SALT_SLOTS } from './slots.ts'

const LENGTH_BITS = 32

/** { maxBytes, safeBytes } of a width×height image with `colours` channels (3 RGB, 1 grey). */
export const capacityForSize = (
  width: number,
  height: number,
  colours: 1 | 3 = 3,
): { maxBytes: number; safeBytes: number; usableSlots: number } => {
  const usable = width * height * colours
  const chunks = usable > SALT_SLOTS ? Math.floor((usable - SALT_SLOTS) / CHUNK) : 0
  const cells = Math.max(0, chunks * CHUNK - LENGTH_BITS)
  const bits = (bytes: number) => 8 * (paddedLength(1 + bytes) + TAG_BYTES)
  const largest = (budget: number) => {
    let lo = -1
    let hi = Math.floor(cells / 8)
    while (lo < hi) {
      const mid = Math.ceil((lo + hi + 1) / 2)
      if (bits(mid) <= budget) lo = mid
      else hi = mid - 1
    }
    return Math.max(0, lo)
  }
  return { maxBytes: largest(cells), safeBytes: largest(SAFE_RATE * cells), usableSlots: usable }
}
