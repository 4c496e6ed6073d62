// The optimised Hamming pass (batched gather, bit stream, 32-cell syndromes, deferred changes)
// against a plain per-cell reference walk over offsetAt, on grey, RGB and RGBA images; and the
// position-ordered bits embed prepares against the pass that reads the image itself.
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { positionBits } from '#plugins/stego/bit-planes'
import { Changer } from '#plugins/stego/changer'
import { chooseK, type Layout, offsetAt, readRegion, writeRegion } from '#plugins/stego/matrix'
import { feistelPermutation, keystream } from '#plugins/stego/permutation'
import { nodePrimitives as node } from '#plugins/stego/primitives-node'
import { CHUNK, SlotMap } from '#plugins/stego/slots'
import { flatWithClipping, photoLike } from '#test/plugins/stego/fixtures'

const layoutOf = async (map: SlotMap, key: Uint8Array): Promise<Layout> => ({
  map,
  perm: await feistelPermutation(node, key, Math.max(1, map.chunks)),
  scramble: await keystream(node, key, Math.max(1, map.chunks), 1),
})

/** Message bits, one block at a time, the slow and obvious way. */
const referenceRead = (
  layout: Layout,
  data: Uint8Array,
  start: number,
  k: number,
  bits: number,
) => {
  const n = 2 ** k - 1
  const out = new Uint8Array(Math.ceil(bits / 8))
  for (let b = 0; b * k < bits; b++) {
    let syndrome = 0
    for (let c = 1; c <= n; c++)
      if (data[offsetAt(layout, start + b * n + c - 1)]! & 1) syndrome ^= c
    for (let u = 0; u < k && b * k + u < bits; u++) {
      if ((syndrome >> u) & 1) out[(b * k + u) >> 3]! |= 0x80 >> ((b * k + u) & 7)
    }
  }
  return out
}

describe('Hamming pass', () => {
  test('reads and writes exactly what the per-cell reference does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 40, max: 160 }),
        fc.integer({ min: 40, max: 120 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        async (channels, width, height, cutout, start, seed, fill) => {
          const image = photoLike({ width, height, channels, seed, transparent: cutout ? 0.2 : 0 })
          const map = await SlotMap.build(node, image)
          const cells = map.chunks * CHUNK - start
          if (cells < 8) return
          const bits = Math.max(1, Math.floor(cells * fill))
          const k = chooseK(bits, cells)
          if (k === 0) return
          const layout = await layoutOf(map, randomBytes(32))
          const opts = { start, k, bits }
          expect(readRegion(layout, image.data, opts)).toEqual(
            referenceRead(layout, image.data, start, k, bits),
          )
          const data = image.data.slice()
          const message = new Uint8Array(randomBytes(Math.ceil(bits / 8)))
          const changer = new Changer(data)
          writeRegion(layout, data, message, opts, changer)
          changer.finish()
          const expected = message.slice()
          if (bits % 8) expected[expected.length - 1]! &= (0xff00 >> (bits % 8)) & 0xff
          expect(referenceRead(layout, data, start, k, bits)).toEqual(expected)
          expect(changer.changed).toBeLessThanOrEqual(Math.ceil(bits / k))
          let changed = 0
          for (let i = 0; i < data.length; i++) {
            if (data[i] !== image.data[i]) {
              expect(Math.abs(data[i]! - image.data[i]!)).toBe(1)
              changed++
            }
          }
          expect(changed).toBe(changer.changed)
        },
      ),
      { numRuns: 60 },
    )
  })

  test('blocks that span batches of position chunks (several batches, every k)', async () => {
    const image = photoLike({ width: 400, height: 300, seed: 21 })
    const map = await SlotMap.build(node, image)
    const layout = await layoutOf(map, randomBytes(32))
    const cells = map.chunks * CHUNK - 32
    for (const fill of [0.0005, 0.003, 0.02, 0.06, 0.15, 0.3, 0.6, 0.99]) {
      const bits = Math.floor(cells * fill)
      const k = chooseK(bits, cells)
      const opts = { start: 32, k, bits }
      expect(readRegion(layout, image.data, opts)).toEqual(
        referenceRead(layout, image.data, 32, k, bits),
      )
      const data = image.data.slice()
      const message = new Uint8Array(randomBytes(Math.ceil(bits / 8)))
      const changer = new Changer(data)
      writeRegion(layout, data, message, opts, changer)
      changer.finish()
      if (bits % 8) message[message.length - 1]! &= (0xff00 >> (bits % 8)) & 0xff
      expect(referenceRead(layout, data, 32, k, bits)).toEqual(message)
    }
  })
})

describe('Hamming pass with position bits', () => {
  test('changes the cells the plain pass changes, by ±1, into a copy, and writes the message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<1 | 3>(1, 3),
        fc.integer({ min: 40, max: 160 }),
        fc.integer({ min: 40, max: 120 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        async (channels, width, height, clipped, start, seed, fill) => {
          // clipped: half the samples 0, half 255, where LSB matching's direction is forced
          const image = clipped
            ? flatWithClipping(width, height, channels)
            : photoLike({ width, height, channels, seed })
          const original = image.data.slice()
          const map = await SlotMap.build(node, image)
          const cells = map.chunks * CHUNK - start
          if (cells < 8) return
          const bits = Math.max(1, Math.floor(cells * fill))
          const k = chooseK(bits, cells)
          if (k === 0) return
          const layout = await layoutOf(map, randomBytes(32))
          const message = new Uint8Array(randomBytes(Math.ceil(bits / 8)))
          const plain = image.data.slice()
          const inPlace = new Changer(plain)
          writeRegion(layout, plain, message, { start, k, bits }, inPlace)
          inPlace.finish()

          const positions = positionBits(image.data, map, layout.perm)!
          const changer = new Changer(image.data, new Uint8Array(image.data.length), 1 + bits / k)
          writeRegion(layout, image.data, message, { start, k, bits, positions }, changer)
          const out = changer.finish(positions.records)

          expect(image.data).toEqual(original)
          expect(changer.changed).toBe(inPlace.changed)
          const wrong: number[] = []
          for (let i = 0; i < out.length; i++) {
            const same = (out[i] !== original[i]) === (plain[i] !== original[i])
            const forced = original[i] !== 0 && original[i] !== 255 ? true : out[i] === plain[i]
            if (!same || !forced || Math.abs(out[i]! - original[i]!) > 1) wrong.push(i)
          }
          expect(wrong).toEqual([])
          const expected = message.slice()
          if (bits % 8) expected[expected.length - 1]! &= (0xff00 >> (bits % 8)) & 0xff
          expect(referenceRead(layout, out, start, k, bits)).toEqual(expected)
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('slot map', () => {
  test('chunkRuns agrees with contiguousStart for every chunk', async () => {
    for (const channels of [1, 3, 4] as const) {
      const image = photoLike({ width: 150, height: 90, channels, seed: channels })
      const runs = (await SlotMap.build(node, image)).chunkRuns()
      // a second map, whose contiguousStart searches instead of reading its own chunkRuns
      const map = await SlotMap.build(node, image)
      for (let chunk = 0; chunk < map.chunks; chunk++) {
        expect(runs[chunk]).toBe(map.contiguousStart(chunk))
      }
    }
  })
})
