// Image adapters: formats in, metadata-free lossless PNG out, the pure-JS PNG path, limits and
// damaged input, and a full embed → PNG → extract trip (and its loss through JPEG).
import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { embed, extract, type KdfParams, type RawImage } from '#plugins/stego/codec'
import { readImage, readPngPure, writePng } from '#plugins/stego/image-io'
import { photoLike } from '#test/plugins/stego/fixtures'

const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }

const codeOf = async (run: () => unknown) => {
  try {
    await run()
    return 'resolved'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

const chunkTypes = (png: Buffer): string[] => {
  const types: string[] = []
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at)
    types.push(png.toString('latin1', at + 4, at + 8))
    at += 12 + length
  }
  return types
}

const chunk = (type: string, body: Buffer) => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(body.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0)
  return Buffer.concat([head, body, crc])
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

describe('PNG out, PNG in', () => {
  test.each(Object.entries(images))('%s: sharp and pngjs read back the written pixels', async (_name, image) => {
    const png = await writePng(image)
    const viaSharp = await readImage(png)
    const viaJs = readPngPure(png)
    for (const read of [viaSharp, viaJs]) {
      expect(read.format).toBe('png')
      expect(read.fromJpeg).toBe(false)
      expect(read.image.channels).toBe(image.channels)
      expect(Buffer.compare(read.image.data, image.data)).toBe(0)
    }
  })

  test('the PNG carries no metadata chunks, even when the source had EXIF', async () => {
    const jpeg = await raw(images.rgb)
      .jpeg()
      .withExif({ IFD0: { Copyright: 'someone', Make: 'Camera' } })
      .toBuffer()
    expect((await sharp(jpeg).metadata()).exif).toBeDefined()
    const { image } = await readImage(jpeg)
    const png = await writePng(image)
    const types = chunkTypes(png)
    expect(types[0]).toBe('IHDR')
    expect(types.at(-1)).toBe('IEND')
    for (const t of ['eXIf', 'tEXt', 'iTXt', 'zTXt', 'iCCP', 'tIME', 'PLTE']) expect(types).not.toContain(t)
    expect((await sharp(png).metadata()).exif).toBeUndefined()
  })

  test('palette, grey+alpha and tRNS PNGs give the same pixels through both readers', async () => {
    const palette = await raw(images.rgb).png({ palette: true, colours: 64 }).toBuffer()
    const paletteAlpha = await raw(images.rgba).png({ palette: true, colours: 64 }).toBuffer()
    const greyAlpha = await raw(images.rgba).toColourspace('b-w').png().toBuffer()
    for (const png of [palette, paletteAlpha, greyAlpha]) {
      const a = await readImage(png)
      const b = readPngPure(png)
      expect(b.image.channels).toBe(a.image.channels)
      expect(Buffer.compare(a.image.data, b.image.data)).toBe(0)
    }
    expect((await readImage(palette)).image.channels).toBe(3)
    expect((await readImage(greyAlpha)).image.channels).toBe(4)
  })

  test('16-bit PNGs are converted to 8 bits', async () => {
    const png16 = await raw(images.rgb).toColourspace('rgb16').png().toBuffer()
    expect((await sharp(png16).metadata()).depth).toBe('ushort')
    const read = await readImage(png16)
    expect(read.sourceBitDepth).toBe(16)
    expect(read.image.channels).toBe(3)
    let worst = 0
    for (let i = 0; i < read.image.data.length; i++) {
      worst = Math.max(worst, Math.abs(read.image.data[i]! - images.rgb.data[i]!))
    }
    expect(worst).toBeLessThanOrEqual(1)
  })
})

describe('other formats', () => {
  test('JPEG is flagged, WebP (lossless), TIFF and GIF decode', async () => {
    const jpeg = await readImage(await raw(images.rgb).jpeg({ quality: 90 }).toBuffer())
    expect(jpeg).toMatchObject({ format: 'jpeg', fromJpeg: true, downscaled: false })
    const webp = await readImage(await raw(images.rgb).webp({ lossless: true }).toBuffer())
    expect(webp.format).toBe('webp')
    expect(Buffer.compare(webp.image.data, images.rgb.data)).toBe(0)
    const tiff = await readImage(await raw(images.rgb).tiff({ compression: 'lzw' }).toBuffer())
    expect(tiff.format).toBe('tiff')
    expect(Buffer.compare(tiff.image.data, images.rgb.data)).toBe(0)
    const gif = await readImage(await raw(images.rgb).gif().toBuffer())
    expect(gif).toMatchObject({ format: 'gif', fromJpeg: false })
    expect([gif.image.width, gif.image.height]).toEqual([64, 48])
    const grey = await readImage(await writePng(images.grey))
    expect(grey.image.channels).toBe(1)
  })

  test('an animated GIF gives its first frame', async () => {
    const frames = Buffer.concat([images.rgb.data, new Uint8Array(images.rgb.data.length).fill(0)])
    const gif = await sharp(frames, { raw: { width: 64, height: 96, channels: 3, pageHeight: 48 } })
      .gif({ loop: 0 })
      .toBuffer()
    const read = await readImage(gif)
    expect([read.image.width, read.image.height]).toEqual([64, 48])
  })

  test('the JPEG remedy downscales before embedding', async () => {
    const jpeg = await raw(photoLike({ width: 200, height: 120, seed: 8 })).jpeg().toBuffer()
    const read = await readImage(jpeg, { downscale: 0.75 })
    expect(read).toMatchObject({ fromJpeg: true, downscaled: true })
    expect([read.image.width, read.image.height]).toEqual([150, 90])
    expect(await codeOf(() => readImage(jpeg, { downscale: 1.5 }))).toBe('STEGO_OPTION_INVALID')
  })
})

describe('hostile and broken input', () => {
  test('a tiny PNG claiming 50000×50000 is refused before decoding', async () => {
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
    expect(bomb.length).toBeLessThan(200)
    expect(await codeOf(() => readImage(bomb))).toBe('STEGO_IMAGE_TOO_LARGE')
    expect(await codeOf(() => readPngPure(bomb))).toBe('STEGO_IMAGE_TOO_LARGE')
  })

  test('the pixel limit is configurable', async () => {
    const png = await writePng(images.rgb)
    expect(await codeOf(() => readImage(png, { maxPixels: 1000 }))).toBe('STEGO_IMAGE_TOO_LARGE')
    expect(await codeOf(() => readPngPure(png, { maxPixels: 1000 }))).toBe('STEGO_IMAGE_TOO_LARGE')
  })

  test('truncated files and non-images are STEGO_IMAGE_INVALID', async () => {
    const png = await writePng(photoLike({ width: 200, height: 150, seed: 5 }))
    const jpeg = await raw(images.rgb).jpeg().toBuffer()
    for (const bytes of [
      png.subarray(0, Math.floor(png.length / 2)),
      png.subarray(0, 40),
      jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      Buffer.from('hello, this is not an image at all'),
      Buffer.alloc(0),
      Buffer.alloc(5000, 0xff),
    ]) {
      expect(await codeOf(() => readImage(bytes))).toBe('STEGO_IMAGE_INVALID')
    }
    expect(await codeOf(() => readPngPure(png.subarray(0, Math.floor(png.length / 2))))).toBe(
      'STEGO_IMAGE_INVALID',
    )
    expect(await codeOf(() => readPngPure(jpeg))).toBe('STEGO_IMAGE_INVALID')
  })

  test('vector and other formats are STEGO_UNSUPPORTED_FORMAT', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    expect(await codeOf(() => readImage(svg))).toBe('STEGO_UNSUPPORTED_FORMAT')
  })
})

describe('end to end', () => {
  test('embed → PNG → read → extract; a JPEG re-encode destroys the message', async () => {
    const cover = photoLike({ width: 160, height: 120, seed: 6 })
    const payload = { kind: 'text', text: 'through the file system and back' } as const
    const { pixels } = await embed(cover, payload, 'pw', { kdf })
    const png = await writePng(pixels)
    expect(await extract((await readImage(png)).image, 'pw', { kdf })).toEqual(payload)
    expect(await extract(readPngPure(png).image, 'pw', { kdf })).toEqual(payload)
    const jpeg = await sharp(png).jpeg({ quality: 95 }).toBuffer()
    const recompressed = (await readImage(jpeg)).image
    expect(await codeOf(() => extract(recompressed, 'pw', { kdf }))).toBe('STEGO_NO_MESSAGE')
  })
})
