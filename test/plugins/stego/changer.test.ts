// The changer: ±1 changes with LSB matching's directions, held and made in address order into a
// copy of the source that is made along the way, however often the held changes are flushed.
import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { Changer } from '#plugins/stego/changer'

/** Distinct offsets in random order. */
const someOffsets = (length: number, count: number): Int32Array => {
  const all = Int32Array.from({ length }, (_, i) => i)
  const noise = new Uint32Array(randomBytes(4 * count).buffer)
  for (let i = 0; i < count; i++) {
    const j = i + (noise[i]! % (length - i))
    const t = all[i]!
    all[i] = all[j]!
    all[j] = t
  }
  return all.subarray(0, count)
}

describe('changer', () => {
  test('changes exactly the given bytes by ±1 in a copy, forced up at 0 and down at 255', () => {
    const source = new Uint8Array(randomBytes(200_000))
    source.fill(0, 0, 1000)
    source.fill(255, 1000, 2000)
    const original = source.slice()
    const offsets = someOffsets(source.length, 30_000)
    for (const expected of [1, 7, 4096, 1 << 20]) {
      const changer = new Changer(source, new Uint8Array(source.length), expected)
      for (const offset of offsets) changer.flip(offset)
      const out = changer.finish()
      expect(source).toEqual(original)
      expect(changer.changed).toBe(offsets.length)
      const changed = new Uint8Array(source.length)
      for (const offset of offsets) changed[offset] = 1
      const wrong: number[] = []
      for (let i = 0; i < source.length; i++) {
        const diff = out[i]! - source[i]!
        const right = !changed[i]
          ? diff === 0
          : source[i] === 0
            ? diff === 1
            : source[i] === 255
              ? diff === -1
              : Math.abs(diff) === 1
        if (!right) wrong.push(i)
      }
      expect(wrong).toEqual([])
    }
  })

  test('known directions give the same bytes whatever the buffer size, in place or not', () => {
    const source = new Uint8Array(randomBytes(100_000))
    const offsets = someOffsets(source.length, 20_000)
    const results = [1, 100, 1 << 20].flatMap((expected) => {
      const copy = new Changer(source, new Uint8Array(source.length), expected)
      const own = source.slice()
      const inPlace = new Changer(own, own, expected)
      for (const [i, offset] of offsets.entries()) {
        // flags 2 | lsb: the direction is forced, so every changer makes the same change
        copy.flipKnown(offset, 2 | (i & 1))
        inPlace.flipKnown(offset, 2 | (i & 1))
      }
      return [copy.finish(), inPlace.finish()]
    })
    for (const out of results) expect(out).toEqual(results[0])
  })

  test('with nothing to change, finish still returns a copy', () => {
    const source = new Uint8Array(randomBytes(70_000))
    const out = new Changer(source, new Uint8Array(source.length)).finish()
    expect(out).toEqual(source)
    expect(out).not.toBe(source)
  })

  test('a scratch buffer serves the sort when it is large enough', () => {
    const source = new Uint8Array(50_000)
    const offsets = someOffsets(source.length, 5_000)
    const outs = [5_000, 10].map((scratch) => {
      const changer = new Changer(source, new Uint8Array(source.length), 5_000)
      for (const offset of offsets) changer.flip(offset)
      return changer.finish(new Int32Array(scratch))
    })
    const expected = new Uint8Array(source.length)
    for (const offset of offsets) expected[offset] = 1
    for (const out of outs) expect(out).toEqual(expected)
  })
})
