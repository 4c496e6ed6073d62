// The building blocks: the Feistel permutation, Padmé padding, payload framing and Hamming k.
import { randomBytes } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { chooseK, MAX_K } from '#plugins/stego/matrix'
import { framePayload, padme, serializePayload, unframePayload } from '#plugins/stego/payload'
import { feistelPermutation } from '#plugins/stego/permutation'
import { nodePrimitives as node } from '#plugins/stego/primitives-node'

const bytes = (n: number) => new Uint8Array(randomBytes(n))

describe('feistel permutation', () => {
  test('is a bijection on [0, n) with a matching inverse, for every small n', async () => {
    for (let n = 1; n <= 300; n++) {
      const perm = await feistelPermutation(node, randomBytes(32), n)
      const seen = new Uint8Array(n)
      for (let x = 0; x < n; x++) {
        const y = perm.forward(x)
        expect(y).toBeGreaterThanOrEqual(0)
        expect(y).toBeLessThan(n)
        expect(seen[y]).toBe(0)
        seen[y] = 1
        expect(perm.inverse(y)).toBe(x)
      }
    }
  })

  test('is a bijection on larger random domains', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 301, max: 50_000 }), async (n) => {
        const perm = await feistelPermutation(node, randomBytes(32), n)
        const seen = new Uint8Array(n)
        for (let x = 0; x < n; x++) seen[perm.forward(x)]!++
        expect(seen.every((v) => v === 1)).toBe(true)
      }),
      { numRuns: 10 },
    )
  })

  test('forwardRange and inverseRange give what forward and inverse give', async () => {
    for (const n of [1, 2, 97, 4096, 562_498]) {
      const perm = await feistelPermutation(node, randomBytes(32), n)
      for (const from of [0, Math.floor(n / 3), Math.max(0, n - 1500)]) {
        const count = Math.min(1500, n - from)
        const fwd = new Int32Array(count)
        const inv = new Int32Array(count)
        perm.forwardRange(from, fwd)
        perm.inverseRange(from, inv)
        for (let j = 0; j < count; j++) {
          expect(fwd[j]).toBe(perm.forward(from + j))
          expect(inv[j]).toBe(perm.inverse(from + j))
        }
      }
    }
  })

  test('different keys give unrelated orders', async () => {
    const a = await feistelPermutation(node, randomBytes(32), 10_000)
    const b = await feistelPermutation(node, randomBytes(32), 10_000)
    let same = 0
    for (let x = 0; x < 10_000; x++) if (a.forward(x) === b.forward(x)) same++
    expect(same).toBeLessThan(10)
  })
})

describe('padding and framing', () => {
  test('Padmé values', () => {
    expect([64, 65, 100, 1000, 1025, 100_000].map(padme)).toEqual([64, 72, 104, 1024, 1088, 100_352])
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 1 << 28 }), (n) => {
        const p = padme(n)
        expect(p).toBeGreaterThanOrEqual(n)
        expect(p).toBeLessThanOrEqual(n * 1.12 + 1)
        expect(padme(p)).toBe(p)
      }),
    )
  })

  test('frames round-trip, deflating only when it helps', async () => {
    const text = { kind: 'text', text: 'hello '.repeat(200) } as const
    const framed = await framePayload(node.deflateRaw, text)
    expect(framed.length).toBeLessThan(200)
    expect(await unframePayload(node.inflateRaw, framed)).toEqual(text)
    const file = { kind: 'file', name: 'r.bin', data: bytes(1000) } as const
    expect(await unframePayload(node.inflateRaw, await framePayload(node.deflateRaw, file))).toEqual(file)
  })

  test('deflating on a worker thread frames the same bytes as zlib level 9 in one go', async () => {
    const payloads = [
      { kind: 'text', text: 'hello '.repeat(50_000) },
      { kind: 'text', text: '' },
      { kind: 'file', name: 'r.bin', data: bytes(300_000) },
      {
        kind: 'file',
        name: 'half.bin',
        data: Uint8Array.from({ length: 70_000 }, (_, i) => (i % 7 ? 0 : i & 255)),
      },
    ] as const
    for (const payload of payloads) {
      const raw = serializePayload(payload)
      const deflated = await node.deflateRaw(raw)
      expect(Buffer.compare(deflated, deflateRawSync(raw, { level: 9 }))).toBe(0)
      const framed = await framePayload(node.deflateRaw, payload)
      expect(await unframePayload(node.inflateRaw, framed)).toEqual(payload)
    }
  })

  test('inflating stops at the cap: a deflate bomb is no payload', async () => {
    const bomb = deflateRawSync(Buffer.alloc(1 << 20))
    expect(await node.inflateRaw(bomb, 1 << 16)).toBeUndefined()
    expect((await node.inflateRaw(bomb, 1 << 20))?.length).toBe(1 << 20)
  })
})

describe('Hamming parameter', () => {
  test('k falls as the payload grows and the blocks always fit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e7 }), fc.integer({ min: 1, max: 1e8 }), (bits, cells) => {
        const k = chooseK(bits, cells)
        if (k === 0) expect(bits).toBeGreaterThan(cells)
        else {
          expect(k).toBeLessThanOrEqual(MAX_K)
          expect(Math.ceil(bits / k) * (2 ** k - 1)).toBeLessThanOrEqual(cells)
        }
      }),
    )
  })
})
