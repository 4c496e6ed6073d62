// Metadata stripping on plain Uint8Arrays, as the browser client runs it before an upload: no
// Node Buffer anywhere (the calls run with globalThis.Buffer removed), inputs at an offset inside a
// larger ArrayBuffer and never written to, results identical to what the hub stores (stripping twice
// changes nothing), and the container told by the bytes, not the name.
import sharp from 'sharp'
import { afterEach, expect, test, vi } from 'vitest'
import { containerOf, stripJpeg, stripMetadata, stripPng, stripWebp } from '#core/attachments/metadata-strip'
import { photoLike } from '#test/plugins/stego/fixtures'
import { jpegWithMetadata, PNG_METADATA, pngChunkTypes, withPngChunks } from './attachment-files.ts'

const W = 40
const H = 30
const raw = Buffer.from(photoLike({ width: W, height: H, seed: 11 }).data)
const input = () => sharp(raw, { raw: { width: W, height: H, channels: 3 } })
const pixels = async (b: Uint8Array) => (await sharp(b).raw().toBuffer()).toString('base64')
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1')

/** The bytes as a browser has them: a plain Uint8Array, here 3 bytes into a larger ArrayBuffer. */
const plain = (bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 8), 3, bytes.length)
  out.set(bytes)
  return out
}

/** Run `fn` the way a browser would: without Node's Buffer. */
const withoutBuffer = <T>(fn: () => T): T => {
  vi.stubGlobal('Buffer', undefined)
  try {
    return fn()
  } finally {
    vi.unstubAllGlobals()
  }
}
afterEach(() => vi.unstubAllGlobals())

const ok = (result: ReturnType<typeof stripPng>) => {
  if (!result.ok) throw new Error(result.why)
  return result
}

test('PNG: text, EXIF and time chunks go without Buffer; the pixels and the other chunks stay', async () => {
  const original = withPngChunks(await input().png().toBuffer(), PNG_METADATA)
  const bytes = plain(original)
  const before = latin1(bytes)
  const out = ok(withoutBuffer(() => stripPng(bytes)))
  expect(Object.getPrototypeOf(out.bytes)).toBe(Uint8Array.prototype)
  expect(out.removed).toEqual(['tEXt', 'tIME', 'eXIf'])
  expect(pngChunkTypes(Buffer.from(out.bytes))).toEqual(pngChunkTypes(original).filter((t) => !['tEXt', 'tIME', 'eXIf'].includes(t)))
  expect(latin1(out.bytes)).not.toContain('51.5007N')
  expect(await pixels(out.bytes)).toBe(await pixels(original))
  expect(latin1(bytes)).toBe(before) // the input is not written to
  // What the hub does to the browser's result changes nothing: the stored file is these bytes.
  expect(ok(stripPng(Buffer.from(out.bytes)))).toEqual({ ok: true, bytes: out.bytes, removed: [] })
})

test('JPEG: EXIF APP1 and COM go without Buffer; the scan is copied byte for byte', async () => {
  const original = await jpegWithMetadata(raw, W, H)
  const out = ok(withoutBuffer(() => stripJpeg(plain(original))))
  expect(out.removed).toEqual(['COM', 'APP1'])
  const text = latin1(out.bytes)
  expect(text).not.toContain('exif-artist-marker')
  expect(text).not.toContain('com-marker-text')
  const scan = (s: string) => s.slice(s.indexOf('\xff\xda'))
  expect(scan(text)).toBe(scan(original.toString('latin1')))
  expect(await pixels(out.bytes)).toBe(await pixels(original))
})

test('WebP: EXIF goes and the VP8X flag is cleared in the copy, never in the input', async () => {
  const webp = await input().webp({ lossless: true }).withExif({ IFD0: { Artist: 'webp-exif-marker' } }).toBuffer()
  const bytes = plain(webp)
  const flags = bytes[20]! // VP8X's flags byte: RIFF header 12 + chunk header 8
  expect(flags & 0x08).toBe(0x08)
  const out = ok(withoutBuffer(() => stripWebp(bytes)))
  expect(out.removed).toEqual(['EXIF'])
  expect(bytes[20]).toBe(flags)
  expect(out.bytes[20]! & 0x0c).toBe(0)
  expect(new DataView(out.bytes.buffer).getUint32(4, true)).toBe(out.bytes.length - 8)
  expect(latin1(out.bytes)).not.toContain('webp-exif-marker')
  expect(await pixels(out.bytes)).toBe(await pixels(webp))
})

test('the container comes from the bytes; other formats pass through untouched', async () => {
  const png = plain(await input().png().toBuffer())
  const jpeg = plain(await input().jpeg().toBuffer())
  const webp = plain(await input().webp().toBuffer())
  const gif = plain(await input().gif().toBuffer())
  withoutBuffer(() => {
    expect(containerOf(png)).toBe('image/png')
    expect(containerOf(jpeg)).toBe('image/jpeg')
    expect(containerOf(webp)).toBe('image/webp')
    expect(containerOf(gif)).toBeUndefined()
    expect(containerOf(new Uint8Array([0x89, 0x50]))).toBeUndefined()
    expect(containerOf(new TextEncoder().encode('RIFF....AVI LIST'))).toBeUndefined()
  })
  const text = new TextEncoder().encode('hello')
  expect(stripMetadata('text/plain', text)).toEqual({ ok: true, bytes: text, removed: [] })
  expect(stripMetadata('image/png', text)).toEqual({ ok: false, why: 'not a PNG' })
  expect(withoutBuffer(() => stripPng(png.subarray(0, 40)))).toMatchObject({ ok: false })
})
