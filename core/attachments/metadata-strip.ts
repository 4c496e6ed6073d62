// Lossless metadata stripping by container parsing: PNG chunks (PNG spec §5, §11.3), JPEG marker
// segments (ITU T.81 Annex B) and WebP RIFF chunks. Pixel data is copied byte for byte and never
// decoded or re-encoded, so anything hidden in the pixels (plugins/stego) survives the trip.
// Plain Uint8Array in and out, no Node imports: the hub runs it on every uploaded image, and the
// browser client runs the same module before it uploads (web/src/attachments). A Buffer is a
// Uint8Array, so Node callers pass theirs as is (the result is a plain Uint8Array).

export type StripResult =
  | { ok: true; bytes: Uint8Array; removed: string[] }
  /** The container is damaged (a length runs past the end, no end marker, ...). */
  | { ok: false; why: string }

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
/** Text, EXIF and modification-time chunks: metadata, never needed to render the image. */
const PNG_DROP = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME'])

/** Bytes `start`..`end` as Latin-1 text (chunk types, segment identifiers). */
const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end))

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const startsWith = (bytes: Uint8Array, prefix: Uint8Array): boolean =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b)

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** PNG: keep every chunk except text/EXIF/time ones, stop at IEND (trailing bytes are dropped). */
export const stripPng = (input: Uint8Array): StripResult => {
  if (!startsWith(input, PNG_SIGNATURE)) return { ok: false, why: 'not a PNG' }
  const data = view(input)
  const keep: Uint8Array[] = [PNG_SIGNATURE]
  const removed: string[] = []
  let at = 8
  for (;;) {
    if (at + 12 > input.length) return { ok: false, why: 'truncated PNG (no IEND chunk)' }
    const length = data.getUint32(at)
    const type = latin1(input, at + 4, at + 8)
    const end = at + 12 + length
    if (length > 0x7fffffff || end > input.length) return { ok: false, why: `truncated PNG chunk ${type}` }
    if (!/^[A-Za-z]{4}$/.test(type)) return { ok: false, why: 'damaged PNG chunk type' }
    if (PNG_DROP.has(type)) removed.push(type)
    else keep.push(input.subarray(at, end))
    at = end
    if (type === 'IEND') break
  }
  if (at < input.length) removed.push('trailing data')
  return { ok: true, bytes: concat(keep), removed }
}

/**
 * JPEG: drop COM and APP1..APP15 segments (EXIF, XMP, GPS, maker notes, Photoshop IRB), except the
 * two that change how the pixels are rendered: APP2 "ICC_PROFILE" and APP14 "Adobe" (colour
 * transform). APP0 (JFIF) stays. Entropy-coded data is copied as is; bytes after EOI are dropped.
 */
export const stripJpeg = (input: Uint8Array): StripResult => {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8) return { ok: false, why: 'not a JPEG' }
  const data = view(input)
  const keep: Uint8Array[] = [input.subarray(0, 2)]
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
      return { ok: true, bytes: concat(keep), removed }
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      keep.push(input.subarray(at, at + 2)) // TEM and stray RSTn carry no length
      at += 2
      continue
    }
    if (at + 4 > input.length) break
    const end = at + 2 + data.getUint16(at + 2)
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

const dropJpegSegment = (marker: number, segment: Uint8Array): boolean => {
  if (marker === 0xfe) return true
  if (marker < 0xe1 || marker > 0xef) return false
  const ident = latin1(segment, 4, 16)
  if (marker === 0xe2 && ident.startsWith('ICC_PROFILE\0')) return false
  if (marker === 0xee && ident.startsWith('Adobe')) return false
  return true
}

/** WebP: drop the EXIF and XMP chunks and clear their flags in VP8X; the bitstream is untouched. */
export const stripWebp = (input: Uint8Array): StripResult => {
  if (input.length < 12 || latin1(input, 0, 4) !== 'RIFF' || latin1(input, 8, 12) !== 'WEBP') {
    return { ok: false, why: 'not a WebP' }
  }
  const data = view(input)
  const riffEnd = 8 + data.getUint32(4, true)
  if (riffEnd > input.length) return { ok: false, why: 'truncated WebP' }
  const keep: Uint8Array[] = []
  const removed: string[] = []
  for (let at = 12; at < riffEnd; ) {
    if (at + 8 > riffEnd) return { ok: false, why: 'truncated WebP chunk' }
    const type = latin1(input, at, at + 4)
    const size = data.getUint32(at + 4, true)
    const end = at + 8 + size + (size & 1)
    if (end > riffEnd) return { ok: false, why: `truncated WebP chunk ${type}` }
    if (type === 'EXIF' || type === 'XMP ') removed.push(type.trim())
    else if (type === 'VP8X' && size >= 10) {
      const chunk = new Uint8Array(input.subarray(at, end)) // a copy: the input is never written to
      chunk[8] = chunk[8]! & ~0x0c // flags: EXIF (bit 3) and XMP (bit 2)
      keep.push(chunk)
    } else keep.push(input.subarray(at, end))
    at = end
  }
  const header = Uint8Array.of(0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50) // RIFF....WEBP
  const out = concat([header, ...keep])
  view(out).setUint32(4, out.length - 8, true)
  if (riffEnd < input.length) removed.push('trailing data')
  return { ok: true, bytes: out, removed }
}

/**
 * The container a file's first bytes announce, with the magic numbers the hub sniffs by
 * (core/attachments/sniff.ts): what to pass to stripMetadata, whatever the file's name or claimed
 * type says. Undefined for every other format.
 */
export const containerOf = (head: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | undefined => {
  if (startsWith(head, PNG_SIGNATURE)) return 'image/png'
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
  if (head.length >= 12 && latin1(head, 0, 4) === 'RIFF' && latin1(head, 8, 12) === 'WEBP') return 'image/webp'
  return undefined
}

/** Strip what the format allows losslessly; other formats pass through untouched. */
export const stripMetadata = (mime: string, input: Uint8Array): StripResult => {
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
