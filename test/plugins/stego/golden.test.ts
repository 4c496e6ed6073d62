// Pins the exact bytes embed writes for fixed salt and direction randomness, so that speed work on
// the embed path can never change the format (bit layout, slot order, matrix code, crypto) or the
// order in which the random ±1 directions are consumed; and shows that the browser's primitives
// write exactly the same bytes as Node's.
import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import {
  createCodec,
  type KdfParams,
  type RawImage,
  type StegoPrimitives,
} from '#plugins/stego/create-codec'
import { browserPrimitives } from '#plugins/stego/primitives-browser'
import { nodePrimitives } from '#plugins/stego/primitives-node'
import { flatWithClipping, photoLike } from '#test/plugins/stego/fixtures'

/** The primitives with a counter stream for randomness, so that salt and directions are fixed. */
const pinned = (base: StegoPrimitives) => {
  let counter = 0
  const randomBytes = (n: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = (Math.imul(counter++, 0x9e3779b1) >>> 24) & 255
    return out
  }
  return createCodec({ ...base, randomBytes })
}

const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
/** Deterministic bytes; the xorshift ones do not deflate, so large sizes really fill the image. */
const filler = (n: number) => {
  let x = 0x12345678
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x & 255
  })
}

interface Pinned {
  sha: string
  changed: number
  k: number
  bits: number
}

/** Recorded from the reference implementation; a mismatch means the format or the RNG use changed. */
const cases: [string, () => RawImage, number, Pinned][] = [
  [
    'rgb small payload',
    () => photoLike({ width: 96, height: 64, seed: 3 }),
    40,
    {
      sha: 'd3b38006fcee8fc8cff97a3900e71b0565017e886798253424977fe3dbd27630',
      changed: 181,
      k: 7,
      bits: 800,
    },
  ],
  [
    'rgb large payload',
    () => photoLike({ width: 96, height: 64, seed: 4 }),
    1500,
    {
      sha: 'cc8d887848d1141af94a45859d79a5ea7e4c6f752631de8ae439e47c580d0eab',
      changed: 6306,
      k: 1,
      bits: 12576,
    },
  ],
  [
    'grey',
    () => photoLike({ width: 80, height: 60, channels: 1, seed: 5 }),
    200,
    {
      sha: 'bf2803bf5e6f2b19fdaff0664fadefec003bd929ffb8851fb0aabb7d9d9257b6',
      changed: 643,
      k: 3,
      bits: 2080,
    },
  ],
  [
    'rgba with transparency',
    () => photoLike({ width: 90, height: 70, channels: 4, seed: 6, transparent: 0.3 }),
    300,
    {
      sha: '6a0ee612b02ae526c56a5bc3c78b77d3886683e55c999af563a19743708ba020',
      changed: 704,
      k: 4,
      bits: 2848,
    },
  ],
  [
    'rgba opaque',
    () => photoLike({ width: 64, height: 64, channels: 4, seed: 7 }),
    100,
    {
      sha: '93ed29f9a72a0437ba68e90eec729a5e624202cc1f1cb1914982db7d8070e2a5',
      changed: 239,
      k: 6,
      bits: 1184,
    },
  ],
  [
    'clipped flat',
    () => flatWithClipping(64, 48),
    500,
    {
      sha: 'ff88d2eed76c655f442c82ce851e36bab9028d587af2d1a3ba8adad31a34750e',
      changed: 1670,
      k: 2,
      bits: 4384,
    },
  ],
  [
    'k = 12',
    () => photoLike({ width: 320, height: 300, seed: 8 }),
    40,
    {
      sha: '7522e6df8fce588df2c3004e7a811d31afca31175c3121055143ac22d9189339',
      changed: 123,
      k: 12,
      bits: 800,
    },
  ],
  // a near-full random payload: more ±1 flips than one 4096-byte direction pool holds
  [
    'k = 2, direction pool refills',
    () => photoLike({ width: 320, height: 300, seed: 9 }),
    17000,
    {
      sha: '2ec48088c290b77e7258a69b00b79d75c75aa84c0ff1b206d96d08c439927e58',
      changed: 52385,
      k: 2,
      bits: 139552,
    },
  ],
]

const both = [nodePrimitives, browserPrimitives]

describe.each(both)('embed output is pinned (format stability), $name primitives', (base) => {
  for (const [name, make, size, pinnedOutput] of cases) {
    test(name, async () => {
      const { embed, extract } = pinned(base)
      const image = make()
      const payload = { kind: 'file' as const, name: 'g.bin', data: filler(size) }
      const result = await embed(image, payload, 'golden passphrase', { kdf })
      const got = {
        sha: sha(result.pixels.data),
        changed: result.changed,
        k: result.matrixK,
        bits: result.bitsEmbedded,
      }
      expect(got).toEqual(pinnedOutput)
      expect(await extract(result.pixels, 'golden passphrase', { kdf })).toEqual(payload)
      // a buffer that does not start on a 4-byte boundary takes the byte-wise bitset path
      const unaligned = new Uint8Array(result.pixels.data.length + 1).subarray(1)
      unaligned.set(result.pixels.data)
      expect(
        await extract({ ...result.pixels, data: unaligned }, 'golden passphrase', { kdf }),
      ).toEqual(payload)
    })
  }

  // a text that deflates (its frame is built while the deflate runs on a worker thread); recorded
  // from the implementation of commit 74619c4, before that change. Deflate is the one primitive
  // whose bytes may differ (zlib level 9 in Node, the platform's default level in CompressionStream):
  // the browser's result is not pinned, but Node's codec reads it
  test('deflated text', async () => {
    const { embed, extract } = pinned(base)
    const payload = { kind: 'text' as const, text: 'the mill at nine; bring the map. '.repeat(120) }
    const result = await embed(
      photoLike({ width: 120, height: 90, seed: 10 }),
      payload,
      'golden passphrase',
      { kdf },
    )
    const got = {
      sha: sha(result.pixels.data),
      changed: result.changed,
      k: result.matrixK,
      bits: result.bitsEmbedded,
    }
    if (base.name === 'node') {
      expect(got).toEqual({
        sha: '7d207c38e39cfd28d02dee78717f86d3b15cb7d289fd659f2db1135195cb7892',
        changed: 171,
        k: 8,
        bits: 864,
      })
    }
    expect(await extract(result.pixels, 'golden passphrase', { kdf })).toEqual(payload)
    expect(await pinned(nodePrimitives).extract(result.pixels, 'golden passphrase', { kdf })).toEqual(payload)
  })
})
