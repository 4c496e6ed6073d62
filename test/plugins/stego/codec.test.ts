// Codec round trips (fast-check), exact capacity, one error for every failed extraction, LSB
// matching at the range ends, matrix-embedding change rates and the versioned KDF.
import { randomBytes } from 'node:crypto'
import { hash } from '@node-rs/argon2'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  capacity,
  embed,
  extract,
  KDF_V1,
  KDF_VERSIONS,
  type KdfParams,
  type Payload,
  type RawImage,
} from '#plugins/stego/codec'
import { nodePrimitives } from '#plugins/stego/primitives-node'
import { SlotMap } from '#plugins/stego/slots'
import { flatWithClipping, photoLike } from '#test/plugins/stego/fixtures'

const bytes = (n: number) => new Uint8Array(randomBytes(n))

/** Test-only argon2id cost: the codec takes it explicitly; the default stays KDF_V1. */
const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err as { code?: string }).code,
  )

/** Every sample differs by at most 1; alpha and fully transparent pixels never change. */
const expectMatching = (before: RawImage, after: RawImage) => {
  expect(after.data.length).toBe(before.data.length)
  const ch = before.channels
  for (let i = 0; i < before.data.length; i++) {
    const d = after.data[i]! - before.data[i]!
    if (d !== 0) {
      expect(Math.abs(d)).toBe(1)
      expect(ch === 4 && (i % 4 === 3 || before.data[i - (i % 4) + 3] === 0)).toBe(false)
    }
  }
}

describe('round trip', () => {
  test('random images, payloads up to capacity and passphrases (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 24, max: 72 }),
        fc.integer({ min: 24, max: 72 }),
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        async (width, height, channels, seed, passphrase, share, asFile) => {
          const image = photoLike({ width, height, channels, seed, transparent: 0.1 })
          const { maxBytes } = capacity(image)
          fc.pre(maxBytes >= 4)
          const size = Math.floor(share * (maxBytes - 3))
          const payload: Payload = asFile
            ? { kind: 'file', name: 'a', data: bytes(size) }
            : { kind: 'text', text: randomBytes(size).toString('base64').slice(0, size) }
          const result = await embed(image, payload, passphrase, { kdf })
          expectMatching(image, result.pixels)
          expect(result.changeRate).toBeCloseTo(result.changed / capacity(image).usableSlots, 12)
          expect(await extract(result.pixels, passphrase, { kdf })).toEqual(payload)
        },
      ),
      { numRuns: 40 },
    )
  })

  test('unicode text and files with names survive', async () => {
    const image = photoLike({ width: 96, height: 64, seed: 5 })
    for (const payload of [
      { kind: 'text', text: 'meet at the ⛲ at 17:00 — ñandú 你好' },
      { kind: 'text', text: '' },
      { kind: 'file', name: 'plan v2.pdf', data: bytes(300) },
    ] satisfies Payload[]) {
      const { pixels } = await embed(image, payload, 'correct horse', { kdf })
      expect(await extract(pixels, 'correct horse', { kdf })).toEqual(payload)
    }
  })

  test('the input image is not modified', async () => {
    const image = photoLike({ width: 64, height: 64, seed: 2 })
    const copy = image.data.slice()
    await embed(image, { kind: 'text', text: 'hi' }, 'pw', { kdf })
    expect(Buffer.compare(image.data, copy)).toBe(0)
  })
})

describe('capacity', () => {
  test('maxBytes of incompressible data fits exactly; one byte more is refused', async () => {
    for (const [w, h, ch] of [
      [50, 40, 3],
      [61, 37, 1],
      [45, 45, 4],
    ] as const) {
      const image = photoLike({ width: w, height: h, channels: ch, seed: w })
      const { maxBytes } = capacity(image)
      // a file named "a" costs 2 bytes more than text: 1 + 1 + name
      const fits: Payload = { kind: 'file', name: 'a', data: bytes(maxBytes - 2) }
      const { pixels } = await embed(image, fits, 'pw', { kdf })
      expect(await extract(pixels, 'pw', { kdf })).toEqual(fits)
      const tooBig: Payload = { kind: 'file', name: 'a', data: bytes(maxBytes - 1) }
      expect(await codeOf(embed(image, tooBig, 'pw', { kdf }))).toBe('STEGO_PAYLOAD_TOO_LARGE')
    }
  })

  test('the too-large message names the capacity', async () => {
    const image = photoLike({ width: 32, height: 32, seed: 1 })
    const { maxBytes } = capacity(image)
    await expect(
      embed(image, { kind: 'file', name: 'a', data: bytes(5000) }, 'pw', { kdf }),
    ).rejects.toThrow(String(maxBytes))
  })

  test('safeBytes is about 5% of maxBytes and counts only usable slots', () => {
    const opaque = photoLike({ width: 400, height: 300, channels: 4, seed: 1 })
    const cut = photoLike({ width: 400, height: 300, channels: 4, seed: 1, transparent: 0.5 })
    const a = capacity(opaque)
    const b = capacity(cut)
    expect(a.usableSlots).toBe(400 * 300 * 3)
    expect(b.usableSlots).toBeLessThan(a.usableSlots * 0.55)
    expect(a.maxBytes).toBeGreaterThan(400 * 300 * 3 * 0.11)
    expect(a.safeBytes / a.maxBytes).toBeGreaterThan(0.04)
    expect(a.safeBytes / a.maxBytes).toBeLessThanOrEqual(0.055)
  })

  test('overSafe is set above safeBytes only', async () => {
    const image = photoLike({ width: 200, height: 150, seed: 4 })
    const { safeBytes, maxBytes } = capacity(image)
    const below = await embed(image, { kind: 'file', name: 'a', data: bytes(safeBytes - 2) }, 'p', { kdf })
    expect(below.overSafe).toBe(false)
    const above = await embed(
      image,
      { kind: 'file', name: 'a', data: bytes(Math.floor(maxBytes / 4)) },
      'p',
      { kdf },
    )
    expect(above.overSafe).toBe(true)
  })
})

describe('matrix embedding and LSB matching', () => {
  test('small payloads change far fewer slots than they carry bits', async () => {
    const image = photoLike({ width: 300, height: 200, seed: 9 })
    const result = await embed(image, { kind: 'file', name: 'a', data: bytes(200) }, 'pw', { kdf })
    expect(result.matrixK).toBeGreaterThanOrEqual(8)
    expect(result.changed).toBeLessThan(result.bitsEmbedded / 4)
    expect(result.changeRate).toBe(result.changed / (300 * 200 * 3))
  })

  test('a full payload changes about half of what it carries (k = 1)', async () => {
    const image = photoLike({ width: 80, height: 60, seed: 9 })
    const { maxBytes } = capacity(image)
    const result = await embed(image, { kind: 'file', name: 'a', data: bytes(maxBytes - 2) }, 'pw', { kdf })
    expect(result.matrixK).toBe(1)
    expect(result.changed / result.bitsEmbedded).toBeGreaterThan(0.4)
    expect(result.changed / result.bitsEmbedded).toBeLessThan(0.6)
  })

  test('0 only goes up, 255 only goes down, directions are random elsewhere', async () => {
    const flat = flatWithClipping(80, 60)
    const { maxBytes } = capacity(flat)
    const { pixels } = await embed(flat, { kind: 'file', name: 'a', data: bytes(maxBytes - 2) }, 'pw', { kdf })
    for (let i = 0; i < flat.data.length; i++) {
      if (flat.data[i] === 0) expect([0, 1]).toContain(pixels.data[i])
      else expect([254, 255]).toContain(pixels.data[i])
    }
    const mid = { ...flat, data: new Uint8Array(flat.data.length).fill(100) }
    const out = await embed(mid, { kind: 'file', name: 'a', data: bytes(maxBytes - 2) }, 'pw', { kdf })
    let up = 0
    let down = 0
    for (const v of out.pixels.data) {
      if (v === 101) up++
      if (v === 99) down++
    }
    expect(up / (up + down)).toBeGreaterThan(0.45)
    expect(up / (up + down)).toBeLessThan(0.55)
    expect(await extract(pixels, 'pw', { kdf })).toMatchObject({ kind: 'file' })
  })

  test('the carried bits look random: no fixed magic, length or version', async () => {
    // on a flat cover every LSB starts at 0, so the LSB plane shows exactly which slots changed
    const flat: RawImage = { data: new Uint8Array(160 * 120 * 3).fill(128), width: 160, height: 120, channels: 3 }
    const payload: Payload = { kind: 'text', text: 'AAAA'.repeat(500) }
    const runs = await Promise.all([1, 2].map(() => embed(flat, payload, 'pw', { kdf })))
    const changedSets = runs.map((r) => {
      const set = new Set<number>()
      r.pixels.data.forEach((v, i) => v !== 128 && set.add(i))
      return set
    })
    const [a, b] = changedSets as [Set<number>, Set<number>]
    // the 128 salt slots sit at public positions (by design); leave them out
    const map = await SlotMap.build(nodePrimitives, flat)
    const salt = new Set(Array.from(map.saltSlots, (slot) => map.offsetOf(slot)))
    let both = 0
    for (const i of a) if (b.has(i) && !salt.has(i)) both++
    // two embeddings of the same text under the same passphrase share no more changed slots than
    // two independent random sets would (fresh salt: fresh keys, positions and ciphertext)
    const expected = (a.size * b.size) / flat.data.length
    expect(both).toBeLessThan(expected * 3 + 10)
    expect(a.size).toBeGreaterThan(20)
  })
})

describe('failures are all STEGO_NO_MESSAGE', () => {
  const image = photoLike({ width: 120, height: 90, seed: 7 })
  const payload: Payload = { kind: 'text', text: 'the eagle lands at dawn' }

  test('wrong passphrase, nothing hidden, damaged or re-quantised pixels', async () => {
    const { pixels } = await embed(image, payload, 'right', { kdf })
    expect(await codeOf(extract(pixels, 'wrong', { kdf }))).toBe('STEGO_NO_MESSAGE')
    expect(await codeOf(extract(image, 'right', { kdf }))).toBe('STEGO_NO_MESSAGE')
    const damaged = pixels.data.slice()
    for (let i = 0; i < damaged.length; i += 97) damaged[i]! ^= 1
    expect(await codeOf(extract({ ...pixels, data: damaged }, 'right', { kdf }))).toBe('STEGO_NO_MESSAGE')
    const requantised = pixels.data.map((v) => Math.min(255, Math.round(v / 4) * 4))
    expect(await codeOf(extract({ ...pixels, data: requantised }, 'right', { kdf }))).toBe(
      'STEGO_NO_MESSAGE',
    )
    const tiny = { data: new Uint8Array(30), width: 10, height: 3, channels: 1 } as const
    expect(await codeOf(extract(tiny, 'right', { kdf }))).toBe('STEGO_NO_MESSAGE')
  })

  test('invalid inputs have their own codes', async () => {
    const bad = { data: new Uint8Array(10), width: 4, height: 4, channels: 3 } as const
    expect(await codeOf(embed(bad, payload, 'pw', { kdf }))).toBe('STEGO_IMAGE_INVALID')
    expect(await codeOf(embed(image, payload, '', { kdf }))).toBe('STEGO_PASSPHRASE_REQUIRED')
    const file: Payload = { kind: 'file', name: '../etc/passwd', data: new Uint8Array(1) }
    expect(await codeOf(embed(image, file, 'pw', { kdf }))).toBe('STEGO_FILE_NAME_INVALID')
  })
})

describe('versioned key derivation', () => {
  test('the default parameters are strong argon2id', async () => {
    expect(KDF_VERSIONS[0]).toBe(KDF_V1)
    expect(KDF_V1.memoryCost).toBeGreaterThanOrEqual(64 * 1024)
    expect(KDF_V1.timeCost).toBeGreaterThanOrEqual(3)
    // deriveKeys relies on the package default algorithm being argon2id
    expect(await hash('x', { memoryCost: 64, timeCost: 1 })).toMatch(/^\$argon2id\$/)
  })

  test('extraction tries each known version; the version is not stored in the image', async () => {
    const older: KdfParams = { version: 90, memoryCost: 64, timeCost: 1, parallelism: 1 }
    const newer: KdfParams = { version: 91, memoryCost: 128, timeCost: 1, parallelism: 1 }
    const image = photoLike({ width: 64, height: 48, seed: 3 })
    const payload: Payload = { kind: 'text', text: 'versioned' }
    const { pixels } = await embed(image, payload, 'pw', { kdf: older })
    expect(await extract(pixels, 'pw', { kdf: [newer, older] })).toEqual(payload)
    expect(await codeOf(extract(pixels, 'pw', { kdf: [newer] }))).toBe('STEGO_NO_MESSAGE')
  })

  test('progress reports the KDF and the pass', async () => {
    const image = photoLike({ width: 64, height: 48, seed: 3 })
    const phases = new Set<string>()
    const { pixels } = await embed(image, { kind: 'text', text: 'p' }, 'pw', {
      kdf,
      onProgress: (f, phase) => {
        expect(f).toBeGreaterThanOrEqual(0)
        expect(f).toBeLessThanOrEqual(1)
        phases.add(phase)
      },
    })
    await extract(pixels, 'pw', { kdf, onProgress: (_f, phase) => phases.add(phase) })
    expect([...phases].sort()).toEqual(['embed', 'extract', 'kdf'])
  })
})
