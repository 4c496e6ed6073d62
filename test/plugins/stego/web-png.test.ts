// The browser's PNG path (web/src/stego/png.ts, fast-png) against the CLI's (sharp, and pngjs where
// it agrees): the same pixels and channel layout for every kind of PNG, a PNG out that both read
// back exactly, and the same error codes for hostile or damaged files.
import { crc32, deflateSync } from 'node:zlib'
import { encode } from 'fast-png'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import type { RawImage } from '#plugins/stego/codec'
import { readImage, readPngPure, writePng as writePngSharp } from '#plugins/stego/image-io'
import { photoLike, seededRandom } from '#test/plugins/stego/fixtures'
// web/ has no import alias (such as #web/*) in package.json: a relative path, the one way in
// eslint-disable-next-line no-restricted-imports
import { readPng, writePng } from '../../../web/src/stego/png.ts'

const codeOf = async (run: () => unknown) => {
  try {
    await run()
    return 'resolved'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

const chunk = (type: string, body: Uint8Array) => {
  const out = Buffer.alloc(12 + body.length)
  out.writeUInt32BE(body.length, 0)
  out.write(type, 4, 'latin1')
  out.set(body, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)) >>> 0, 8 + body.length)
  return out
}

const chunkTypes = (png: Uint8Array): string[] => {
  const buf = Buffer.from(png)
  const types: string[] = []
  for (let at = 8; at + 8 <= buf.length; at += 12 + buf.readUInt32BE(at))
    types.push(buf.toString('latin1', at + 4, at + 8))
  return types
}

/** `png` with a chunk inserted before its first IDAT. */
const withChunk = (png: Uint8Array, type: string, body: Uint8Array) => {
  const buf = Buffer.from(png)
  let at = 8
  while (buf.toString('latin1', at + 4, at + 8) !== 'IDAT') at += 12 + buf.readUInt32BE(at)
  return Buffer.concat([buf.subarray(0, at), chunk(type, body), buf.subarray(at)])
}

const raw = (image: RawImage) =>
  sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })

const images = {
  grey: photoLike({ width: 61, height: 47, channels: 1, seed: 1 }),
  rgb: photoLike({ width: 64, height: 48, channels: 3, seed: 2 }),
  rgba: photoLike({ width: 50, height: 40, channels: 4, seed: 3, transparent: 0.2 }),
}

/** Samples of `depth` bits, random but with every value present. */
const samples = (n: number, depth: number, seed: number) => {
  const rand = seededRandom(seed)
  const max = 2 ** depth
  return Array.from({ length: n }, (_, i) => (i < max ? i : Math.floor(rand() * max)))
}

/** Row-packed samples below 8 bits, as PNG stores them. */
const packed = (values: number[], width: number, depth: number) => {
  const rowBytes = Math.ceil((width * depth) / 8)
  const rows = values.length / width
  const out = new Uint8Array(rowBytes * rows)
  values.forEach((v, i) => {
    const bit = (i % width) * depth
    out[Math.floor(i / width) * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7))
  })
  return out
}

/** `n` colours; the first `translucent` of them with alpha (written as tRNS). */
const palette = (n: number, translucent = 0) =>
  Array.from({ length: n }, (_, i) => {
    const colour = [(i * 67) & 255, (i * 131) & 255, (i * 29) & 255]
    return translucent ? [...colour, i < translucent ? i * 40 : 255] : colour
  })

const be16 = (...values: number[]) => {
  const out = Buffer.alloc(values.length * 2)
  values.forEach((v, i) => out.writeUInt16BE(v, i * 2))
  return out
}

/** Every kind of PNG a user may pick, written by sharp, fast-png or by hand. */
const variants = async (): Promise<[string, Uint8Array][]> => {
  const w = 37
  const h = 23
  const n = w * h
  const rgb16 = Uint16Array.from(samples(n * 3, 16, 4))
  // a few pixels exactly on the tRNS colour, to be cut out
  rgb16.set([1000, 2000, 3000], 0)
  rgb16.set([1000, 2000, 3000], 30)
  const rgb8 = Uint8Array.from(samples(n * 3, 8, 5))
  rgb8.set([10, 20, 30], 0)
  rgb8.set([10, 20, 30], 60)
  const grey8 = Uint8Array.from(samples(n, 8, 6))
  return [
    ['grey 8 (sharp)', await writePngSharp(images.grey)],
    ['RGB 8 (sharp)', await writePngSharp(images.rgb)],
    ['RGBA 8 with transparent pixels (sharp)', await writePngSharp(images.rgba)],
    ['palette', await raw(images.rgb).png({ palette: true, colours: 64 }).toBuffer()],
    ['palette with alpha', await raw(images.rgba).png({ palette: true, colours: 64 }).toBuffer()],
    [
      'palette, 2 bits',
      encode({
        width: w,
        height: h,
        data: packed(samples(n, 2, 14), w, 2),
        depth: 2,
        channels: 1,
        palette: palette(4),
      }),
    ],
    [
      'palette, 4 bits + tRNS',
      encode({
        width: w,
        height: h,
        data: packed(samples(n, 4, 15), w, 4),
        depth: 4,
        channels: 1,
        palette: palette(16, 3),
      }),
    ],
    ['grey + alpha 8', await raw(images.rgba).toColourspace('b-w').png().toBuffer()],
    ['RGB 16 (sharp)', await raw(images.rgb).toColourspace('rgb16').png().toBuffer()],
    ['RGB 8 interlaced', await raw(images.rgb).png({ progressive: true }).toBuffer()],
    ['RGBA 8 interlaced', await raw(images.rgba).png({ progressive: true }).toBuffer()],
    ['RGB 16', encode({ width: w, height: h, data: rgb16, depth: 16, channels: 3 })],
    [
      'RGBA 16',
      encode({
        width: w,
        height: h,
        data: Uint16Array.from(samples(n * 4, 16, 7)),
        depth: 16,
        channels: 4,
      }),
    ],
    [
      'grey 16',
      encode({
        width: w,
        height: h,
        data: Uint16Array.from(samples(n, 16, 8)),
        depth: 16,
        channels: 1,
      }),
    ],
    [
      'grey + alpha 16',
      encode({
        width: w,
        height: h,
        data: Uint16Array.from(samples(n * 2, 16, 9)),
        depth: 16,
        channels: 2,
      }),
    ],
    [
      'grey 1',
      encode({ width: w, height: h, data: packed(samples(n, 1, 10), w, 1), depth: 1, channels: 1 }),
    ],
    [
      'grey 2',
      encode({ width: w, height: h, data: packed(samples(n, 2, 11), w, 2), depth: 2, channels: 1 }),
    ],
    [
      'grey 4',
      encode({ width: w, height: h, data: packed(samples(n, 4, 12), w, 4), depth: 4, channels: 1 }),
    ],
    [
      'grey 8 + tRNS',
      withChunk(
        encode({ width: w, height: h, data: grey8, depth: 8, channels: 1 }),
        'tRNS',
        be16(grey8[5]!),
      ),
    ],
    [
      'RGB 8 + tRNS',
      withChunk(
        encode({ width: w, height: h, data: rgb8, depth: 8, channels: 3 }),
        'tRNS',
        be16(10, 20, 30),
      ),
    ],
    [
      'RGB 16 + tRNS',
      withChunk(
        encode({ width: w, height: h, data: rgb16, depth: 16, channels: 3 }),
        'tRNS',
        be16(1000, 2000, 3000),
      ),
    ],
    [
      'RGBA 8 (fast-png)',
      encode({
        width: w,
        height: h,
        data: Uint8Array.from(samples(n * 4, 8, 13)),
        depth: 8,
        channels: 4,
      }),
    ],
  ]
}

describe('the browser reads every PNG as the CLI does', () => {
  test('same size, channels and pixels as sharp, for each kind of PNG', async () => {
    for (const [name, png] of await variants()) {
      if (name === 'grey 16') continue // below
      const cli = (await readImage(png)).image
      const web = readPng(png)
      expect({ name, w: web.width, h: web.height, c: web.channels }).toEqual({
        name,
        w: cli.width,
        h: cli.height,
        c: cli.channels,
      })
      expect(Buffer.compare(web.data, cli.data), name).toBe(0)
    }
  })

  // libvips turns 16-bit grey into 8 bits through linear light (its GREY16 → B_W route), which moves
  // some samples by one level; every other 16-bit kind keeps the high byte, as the browser does.
  // Harmless for compatibility: what carries a message is always an 8-bit PNG, read alike by both.
  test('16-bit grey: within one level of sharp', async () => {
    const png = (await variants()).find(([name]) => name === 'grey 16')![1]
    const cli = (await readImage(png)).image
    const web = readPng(png)
    expect([web.channels, web.data.length]).toEqual([cli.channels, cli.data.length])
    expect(web.data.every((v, i) => Math.abs(v - cli.data[i]!) <= 1)).toBe(true)
  })

  test('pngjs agrees too, wherever it agrees with sharp (8-bit files)', async () => {
    for (const image of Object.values(images)) {
      const png = await writePngSharp(image)
      expect(Buffer.compare(readPng(png).data, readPngPure(png).image.data)).toBe(0)
      expect(Buffer.compare(readPng(png).data, image.data)).toBe(0)
    }
  })
})

describe('the browser writes PNGs that the CLI reads back exactly', () => {
  test.each(Object.entries(images))('%s: lossless, no ancillary chunks', async (_name, image) => {
    const png = writePng(image)
    expect(chunkTypes(png).filter((t) => t !== 'IDAT')).toEqual(['IHDR', 'IEND'])
    for (const read of [(await readImage(png)).image, readPngPure(png).image, readPng(png)]) {
      expect(read.channels).toBe(image.channels)
      expect(Buffer.compare(read.data, image.data)).toBe(0)
    }
  })
})

describe('hostile and damaged PNGs get the CLI error codes', () => {
  test('a tiny PNG claiming 50000×50000 is refused before decoding; the limit is configurable', async () => {
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(50_000, 0)
    ihdr.writeUInt32BE(50_000, 4)
    ihdr.set([8, 2, 0, 0, 0], 8)
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(1000))),
      chunk('IEND', Buffer.alloc(0)),
    ])
    expect(await codeOf(() => readPng(bomb))).toBe('STEGO_IMAGE_TOO_LARGE')
    expect(await codeOf(() => readImage(bomb))).toBe('STEGO_IMAGE_TOO_LARGE')
    expect(await codeOf(() => readPng(writePng(images.rgb), 1000))).toBe('STEGO_IMAGE_TOO_LARGE')
  })

  test('truncated, bit-flipped and non-PNG bytes are STEGO_IMAGE_INVALID in both', async () => {
    const png = writePng(photoLike({ width: 200, height: 150, seed: 5 }))
    const flipped = png.slice()
    flipped[Math.floor(png.length / 2)]! ^= 0x10
    const jpeg = await raw(images.rgb).jpeg().toBuffer()
    for (const bytes of [
      png.subarray(0, Math.floor(png.length / 2)),
      png.subarray(0, 40),
      png.subarray(0, png.length - 12),
      flipped,
      jpeg,
      new TextEncoder().encode('hello, this is not an image at all'),
      new Uint8Array(0),
    ]) {
      expect(await codeOf(() => readPng(bytes))).toBe('STEGO_IMAGE_INVALID')
    }
    for (const bytes of [png.subarray(0, Math.floor(png.length / 2)), flipped]) {
      expect(await codeOf(() => readImage(bytes))).toBe('STEGO_IMAGE_INVALID')
    }
  })
})
