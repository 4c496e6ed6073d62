// Lossless metadata stripping on its own: WebP EXIF/XMP chunks, trailing bytes, damaged containers,
// and sniffing/sanitising helpers.
import sharp from 'sharp'
import { expect, test } from 'vitest'
import { stripJpeg, stripPng, stripWebp } from '#core/attachments/metadata-strip'
import { sanitizeName, sniffMime } from '#core/attachments/sniff'
import { photoLike } from '#test/plugins/stego/fixtures'
import { PNG_METADATA, withPngChunks } from './attachment-files.ts'

const photo = photoLike({ width: 40, height: 30, seed: 3 })
const input = () => sharp(Buffer.from(photo.data), { raw: { width: 40, height: 30, channels: 3 } })
const pixels = async (b: Buffer) => (await sharp(b).raw().toBuffer()).toString('base64')

test('WebP: EXIF goes, the VP8X flag is cleared, the bitstream and pixels stay', async () => {
  const webp = await input().webp({ lossless: true }).withExif({ IFD0: { Artist: 'webp-exif-marker' } }).toBuffer()
  expect(webp.toString('latin1')).toContain('webp-exif-marker')
  const out = stripWebp(webp)
  if (!out.ok) throw new Error(out.why)
  const bytes = Buffer.from(out.bytes)
  expect(out.removed).toContain('EXIF')
  expect(bytes.toString('latin1')).not.toContain('webp-exif-marker')
  expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8)
  expect(await pixels(bytes)).toBe(await pixels(webp))
})

test('bytes after IEND / EOI are dropped; damaged containers are reported, not guessed at', async () => {
  const png = withPngChunks(await input().png().toBuffer(), PNG_METADATA)
  const padded = Buffer.concat([png, Buffer.from('appended secret')])
  const out = stripPng(padded)
  if (!out.ok) throw new Error(out.why)
  expect(out.removed).toEqual(['tEXt', 'tIME', 'eXIf', 'trailing data'])
  expect(Buffer.from(out.bytes).toString('latin1')).not.toContain('appended secret')
  expect(stripPng(png.subarray(0, 60))).toMatchObject({ ok: false })

  const jpeg = await input().jpeg().toBuffer()
  const jout = stripJpeg(Buffer.concat([jpeg, Buffer.from('tail')]))
  expect(jout).toMatchObject({ ok: true, removed: ['trailing data'] })
  expect(stripJpeg(jpeg.subarray(0, jpeg.length - 2))).toMatchObject({ ok: false })
})

test('sniffing ignores names and claims; names lose paths, controls and bidi overrides', () => {
  expect(sniffMime(Buffer.from('GIF89a....'))).toBe('image/gif')
  expect(sniffMime(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('text/plain; charset=utf-8')
  expect(sniffMime(Buffer.from([0x00, 0x01, 0x02]))).toBe('application/octet-stream')
  expect(sanitizeName('C:\\Users\\x\\evil\u202egnp.exe', 'image/png')).toBe('evilgnp.exe')
  expect(sanitizeName('..', 'image/png')).toBe('attachment.png')
  expect(sanitizeName('a"b<c>.txt', 'text/plain')).toBe('a_b_c_.txt')
})
