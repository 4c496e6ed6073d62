// Calibration of the detectors: untouched covers pass, sequential LSB replacement is caught and
// measured, and chathub's own embedding at ≤10% of maxBytes leaves RS and SPA where they were.
import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { analyze, chiSquareAttack, rsAnalysis, samplePairAnalysis } from '#plugins/stego/analysis'
import { capacity, type KdfParams, type RawImage } from '#plugins/stego/codec'
import { createCodec } from '#plugins/stego/create-codec'
import { nodePrimitives } from '#plugins/stego/primitives-node'
import { photoLike } from '#test/plugins/stego/fixtures'
import { lsbReplace } from '#test/plugins/stego/lsb-replace'

const bytes = (n: number) => new Uint8Array(randomBytes(n))

/** A fixed stream of bytes (salt, directions, payload): the estimates are statistics of one embedding,
 * and random ones landed past ±0.02 now and then; the same embedding every run is a stable check. */
const counterBytes = (start: number) => {
  let counter = start
  return (n: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = (Math.imul(counter++, 0x9e3779b1) >>> 24) & 255
    return out
  }
}
const pinned = createCodec({ ...nodePrimitives, randomBytes: counterBytes(1) })
const payloadBytes = counterBytes(1_000_003)

const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }
const covers: RawImage[] = [
  photoLike({ width: 320, height: 240, seed: 1 }),
  photoLike({ width: 320, height: 240, seed: 2, noise: 3 }),
  photoLike({ width: 256, height: 256, seed: 3, channels: 1 }),
  photoLike({ width: 300, height: 200, seed: 4, channels: 4, transparent: 0.1 }),
]

describe('untouched covers', () => {
  test.each(covers.map((c, i) => [i, c] as const))('cover %i is not flagged', (_i, cover) => {
    const result = analyze(cover)
    expect(result.suspicious).toBe(false)
    expect(result.verdict).toMatch(/^clean/)
    expect(result.rs.estimatedFraction).toBeLessThan(0.06)
    expect(result.spa.estimatedFraction).toBeLessThan(0.06)
  })
})

describe('sequential LSB replacement', () => {
  test.each([0.5, 0.75, 1])('at %f of the samples is flagged and measured', (fraction) => {
    for (const cover of covers) {
      const stego = lsbReplace(cover, fraction)
      const result = analyze(stego)
      expect(result.suspicious).toBe(true)
      expect(result.verdict).toMatch(/^suspicious/)
      expect(result.rs.suspicious && result.spa.suspicious).toBe(true)
      // the estimators lose precision as p nears 1 (the quadratic flattens): above one half we
      // ask for a clear detection; the ±0.1 accuracy is checked below for p ≤ 0.5
      expect(result.rs.estimatedFraction).toBeGreaterThan(0.4)
      expect(result.spa.estimatedFraction).toBeGreaterThan(0.4)
      // sequential tools write from the top: the leading part looks fully embedded
      expect(result.chiSquare.leading5.pValue).toBeGreaterThan(0.5)
    }
  })

  test('RS measures replaced fractions up to one half within ±0.1 (SPA within ±0.15)', () => {
    for (const fraction of [0.1, 0.25, 0.5]) {
      for (const cover of covers) {
        for (const seed of [1, 2, 3]) {
          const stego = lsbReplace(cover, fraction, seed)
          expect(Math.abs(rsAnalysis(stego).estimatedFraction - fraction)).toBeLessThanOrEqual(0.1)
          const spa = samplePairAnalysis(stego)
          expect(Math.abs(spa.estimatedFraction - fraction)).toBeLessThanOrEqual(0.15)
        }
      }
    }
  })

  test('chi-square on the whole image: a full payload equalises the pairs of values', () => {
    const result = chiSquareAttack(lsbReplace(covers[0]!, 1))
    expect(result.whole.pValue).toBeGreaterThan(0.9)
    expect(result.estimatedFraction).toBe(1)
    expect(chiSquareAttack(covers[0]!).leading5.pValue).toBeLessThan(0.5)
  })
})

describe("chathub's own embedding", () => {
  test('at ≤10% of maxBytes keeps RS and SPA within ±0.02 of the cover', async () => {
    for (const cover of covers) {
      const before = analyze(cover)
      const { maxBytes } = capacity(cover)
      for (const share of [0.05, 0.1]) {
        const payload = { kind: 'file', name: 'a', data: payloadBytes(Math.floor(maxBytes * share)) } as const
        const { pixels } = await pinned.embed(cover, payload, 'pw', { kdf })
        const after = analyze(pixels)
        expect(Math.abs(after.rs.estimatedFraction - before.rs.estimatedFraction)).toBeLessThanOrEqual(0.02)
        expect(Math.abs(after.spa.estimatedFraction - before.spa.estimatedFraction)).toBeLessThanOrEqual(0.02)
        expect(after.suspicious).toBe(false)
      }
    }
  })
})

describe('sample-pair analysis against the published estimator', () => {
  /**
   * Dumitrescu, Wu & Wang (2003) as in Fridrich's reference code (SP.m): horizontal pairs (u, v)
   * of one channel; X = {v even, u < v} ∪ {v odd, u > v}, Z = {u = v}, W = {⌊u/2⌋ = ⌊v/2⌋, u ≠ v},
   * V the rest; p is the smaller root of (W + Z)/2 · p² + (2X − P) p + V + W − X.
   */
  const reference = (image: RawImage): number | undefined => {
    const { data, width, height, channels } = image
    let x = 0
    let z = 0
    let w = 0
    let pairs = 0
    for (let c = 0; c < Math.min(channels, 3); c++) {
      for (let row = 0; row < height; row++) {
        for (let col = 0; col + 1 < width; col++) {
          const u = data[(row * width + col) * channels + c]!
          const v = data[(row * width + col + 1) * channels + c]!
          if ((v % 2 === 0 && u < v) || (v % 2 === 1 && u > v)) x++
          if (u === v) z++
          if (Math.floor(u / 2) === Math.floor(v / 2) && u !== v) w++
          pairs++
        }
      }
    }
    const rest = pairs - (x + z + w)
    const a = (w + z) / 2
    const b = 2 * x - pairs
    const cc = rest + w - x
    const disc = b * b - 4 * a * cc
    if (a <= 0 || disc < 0) return undefined
    return Math.min((-b + Math.sqrt(disc)) / (2 * a), (-b - Math.sqrt(disc)) / (2 * a))
  }

  test('gives the reference estimate, covers and stego images alike', () => {
    const noisy = photoLike({ width: 200, height: 150, seed: 9, noise: 12 })
    for (const image of [...covers, noisy]) {
      for (const fraction of [0, 0.1, 0.5, 1]) {
        const stego = fraction === 0 ? image : lsbReplace(image, fraction, 5)
        const want = reference(stego)
        const got = samplePairAnalysis(stego)
        expect(got.noRealRoot).toBe(want === undefined)
        const clamped = want === undefined ? 1 : Math.min(1, Math.max(0, want))
        expect(got.estimatedFraction).toBeCloseTo(clamped, 12)
      }
    }
  })
})

describe('degenerate inputs', () => {
  test('a flat image has no real RS root or gives a clamped estimate, never NaN', () => {
    const flat: RawImage = { data: new Uint8Array(64 * 64 * 3).fill(77), width: 64, height: 64, channels: 3 }
    const noise: RawImage = { data: bytes(64 * 64 * 3), width: 64, height: 64, channels: 3 }
    for (const image of [flat, noise]) {
      const result = analyze(image)
      for (const value of [result.rs.estimatedFraction, result.spa.estimatedFraction]) {
        expect(Number.isFinite(value)).toBe(true)
        expect(value).toBeGreaterThanOrEqual(0)
        expect(value).toBeLessThanOrEqual(1)
      }
      expect(typeof result.verdict).toBe('string')
    }
    expect(samplePairAnalysis(noise).pairs).toBe(64 * 63 * 3)
  })

  test('the verdict counts exactly the flagged detectors (a chi-square alarm only when RS or SPA corroborates)', () => {
    const noise: RawImage = { data: bytes(96 * 96 * 3), width: 96, height: 96, channels: 3 }
    for (const image of [...covers, noise, ...covers.map((c) => lsbReplace(c, 0.5))]) {
      const result = analyze(image)
      expect(result.suspicious).toBe(result.flags.chiSquare || result.flags.rs || result.flags.spa)
      expect(result.flags.rs).toBe(result.rs.suspicious)
      expect(result.flags.spa).toBe(result.spa.suspicious)
      if (result.flags.chiSquare) expect(result.chiSquare.suspicious).toBe(true)
      expect(result.verdict.includes('chi-square')).toBe(result.flags.chiSquare)
    }
  })

  test('a 1×1 image is analysed without crashing', () => {
    const one: RawImage = { data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 }
    expect(analyze(one).suspicious).toBeTypeOf('boolean')
  })
})
