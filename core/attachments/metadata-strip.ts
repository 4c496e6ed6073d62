// Lossless metadata stripping by container parsing: PNG chunks (PNG spec §5, §11.3), JPEG marker
// segments (ITU T.81 Annex B) and WebP RIFF chunks. Pixel data is copied byte for byte and never
// decoded or re-encoded, so anything hidden in the pixels (plugins/stego) survives the trip.

export type StripResult =
  | { ok: true; bytes: Buffer; removed: string[] }
  /** The container is damaged (a length runs past the end, no end marker, ...). */
  | { ok: false; why: string }

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** Text, EXIF and modification-time chunks: metadata, never needed to render the image. */
const PNG_DROP = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME'])

/** PNG: keep every chunk except text/EXIF/time ones, stop at IEND (trailing bytes are dropped). */
export const stripPng = (input: Buffer): StripResult => {
  if (input.length < 8 || !input.subarray(0, 8).equals(PNG_SIGNATURE)) return { ok: false, why: 'not a PNG' }
  const keep: Buffer[] = [PNG_SIGNATURE]
  const removed: string[] = []
  let at = 8
  for (;;) {
    if (at + 12 > input.length) return { ok: false, why: 'truncated PNG (no IEND chunk)' }
    const length = input.readUInt32BE(at)
    const type = input.toString('latin1', at + 4, at + 8)
    const end = at + 12 + length
    if (length > 0x7fffffff || end > input.length) return { ok: false, why: `truncated PNG chunk ${type}` }
    if (!/^[A-Za-z]{4}$/.test(type)) return { ok: false, why: 'damaged PNG chunk type' }
    if (PNG_DROP.has(type)) removed.push(type)
    else keep.push(input.subarray(at, end))
    at = end
    if (type === 'IEND') break
  }
  if (at < input.length) removed.push('trailing data')
  return { ok: true, bytes: Buffer.concat(keep), removed }
}

/**
 * JPEG: drop COM and APP1..APP15 segments (EXIF, XMP, GPS, maker notes, Photoshop IRB), except the
 * two that change how the pixels are rendered: APP2 "ICC_PROFILE" and APP14 "Adobe" (colour
 * transform). APP0 (JFIF) stays. Entropy-coded data is copied as is; bytes after EOI are dropped.
 */
export const stripJpeg = (input: Buffer): StripResult => {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8) return { ok: false, why: 'not a JPEG' }
  const keep: Buffer[] = [input.subarray(0, 2)]
  const removed: string[] = []
  let at = 2
  let inScan = false
  let scanStart = 0
  while (at < input.length) {
    if (inScan) {
      // Inside entropy-coded data: FF00 is a stuffed byte, FFD0..FFD7 are restart markers.
      if (input[at] !== 0xff) {
        at++
        continue
      }
      const next = input[at + 1]
      if (next === undefined) break
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
        at += next === 0xff ? 1 : 2
        continue
      }
      keep.push(input.subarray(scanStart, at))
      inScan = false
      continue
    }
    if (input[at] !== 0xff) return { ok: false, why: 'damaged JPEG marker' }
    let marker = input[at + 1]
    while (marker === 0xff) marker = input[++at + 1] // fill bytes before a marker
    if (marker === undefined) break
    if (marker === 0xd9) {
      keep.push(input.subarray(at, at + 2))
      if (at + 2 < input.length) removed.push('trailing data')
      return { ok: true, bytes: Buffer.concat(keep), removed }
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      keep.push(input.subarray(at, at + 2)) // TEM and stray RSTn carry no length
      at += 2
      continue
    }
    if (at + 4 > input.length) break
    const end = at + 2 + input.readUInt16BE(at + 2)
    if (end > input.length || end < at + 4) return { ok: false, why: 'truncated JPEG segment' }
    const segment = input.subarray(at, end)
    if (dropJpegSegment(marker, segment)) removed.push(marker === 0xfe ? 'COM' : `APP${marker - 0xe0}`)
    else keep.push(segment)
    at = end
    if (marker === 0xda) {
      inScan = true
      scanStart = at
    }
  }
  return { ok: false, why: 'truncated JPEG (no end marker)' }
}

const dropJpegSegment = (marker: number, segment: Buffer): boolean => {
  if (marker === 0xfe) return true
  if (marker < 0xe1 || marker > 0xef) return false
  const ident = segment.toString('latin1', 4, 16)
  if (marker === 0xe2 && ident.startsWith('ICC_PROFILE\0')) return false
  if (marker === 0xee && ident.startsWith('Adobe')) return false
  return true
}

/** WebP: drop the EXIF and XMP chunks and clear their flags in VP8X; the bitstream is untouched. */
export const stripWebp = (input: Buffer): StripResult => {
  if (input.length < 12 || input.toString('latin1', 0, 4) !== 'RIFF' || input.toString('latin1', 8, 12) !== 'WEBP') {
    return { ok: false, why: 'not a WebP' }
  }
  const riffEnd = 8 + input.readUInt32LE(4)
  if (riffEnd > input.length) return { ok: false, why: 'truncated WebP' }
  const keep: Buffer[] = []
  const removed: string[] = []
  for (let at = 12; at < riffEnd; ) {
    if (at + 8 > riffEnd) return { ok: false, why: 'truncated WebP chunk' }
    const type = input.toString('latin1', at, at + 4)
    const size = input.readUInt32LE(at + 4)
    const end = at + 8 + size + (size & 1)
    if (end > riffEnd) return { ok: false, why: `truncated WebP chunk ${type}` }
    if (type === 'EXIF' || type === 'XMP ') removed.push(type.trim())
    else if (type === 'VP8X' && size >= 10) {
      const chunk = Buffer.from(input.subarray(at, end))
      chunk[8] = chunk[8]! & ~0x0c // flags: EXIF (bit 3) and XMP (bit 2)
      keep.push(chunk)
    } else keep.push(input.subarray(at, end))
    at = end
  }
  const body = Buffer.concat(keep)
  const header = Buffer.alloc(12)
  header.write('RIFF', 0, 'latin1')
  header.writeUInt32LE(4 + body.length, 4)
  header.write('WEBP', 8, 'latin1')
  if (riffEnd < input.length) removed.push('trailing data')
  return { ok: true, bytes: Buffer.concat([header, body]), removed }
}

/** Strip what the format allows losslessly; other formats pass through untouched. */
export const stripMetadata = (mime: string, input: Buffer): StripResult => {
  switch (mime) {
    case 'image/png':
      return stripPng(input)
    case 'image/jpeg':
      return stripJpeg(input)
    case 'image/webp':
      return stripWebp(input)
    default:
      return { ok: true, bytes: input, removed: [] }
  }
}
