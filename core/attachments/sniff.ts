// MIME type from a file's first bytes (its magic number), never from the client's Content-Type
// or file name. Unknown binary is application/octet-stream; SVG and HTML are plain text here.

interface Magic {
  mime: string
  offset?: number
  bytes: number[]
  /** Further bytes at another offset (RIFF....WEBP). */
  also?: { offset: number; bytes: number[] }
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

const MAGICS: Magic[] = [
  { mime: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mime: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { mime: 'image/gif', bytes: ascii('GIF87a') },
  { mime: 'image/gif', bytes: ascii('GIF89a') },
  { mime: 'image/webp', bytes: ascii('RIFF'), also: { offset: 8, bytes: ascii('WEBP') } },
  { mime: 'image/tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { mime: 'image/tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { mime: 'application/pdf', bytes: ascii('%PDF-') },
  { mime: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { mime: 'application/gzip', bytes: [0x1f, 0x8b] },
  { mime: 'audio/mpeg', bytes: ascii('ID3') },
  { mime: 'audio/ogg', bytes: ascii('OggS') },
  { mime: 'video/mp4', offset: 4, bytes: ascii('ftyp') },
]

/** Images the hub reads dimensions of and makes thumbnails for. */
export const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/tiff'])

const matches = (head: Uint8Array, offset: number, bytes: number[]) =>
  head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b)

/** Sniff from the first bytes (4 KiB is plenty). */
export const sniffMime = (head: Uint8Array): string => {
  for (const m of MAGICS) {
    if (matches(head, m.offset ?? 0, m.bytes) && (!m.also || matches(head, m.also.offset, m.also.bytes))) return m.mime
  }
  return looksLikeText(head) ? 'text/plain; charset=utf-8' : 'application/octet-stream'
}

const looksLikeText = (head: Uint8Array): boolean => {
  if (head.length === 0) return false
  for (const b of head) if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c)) return false
  try {
    // a multi-byte character cut at the end of the sample is fine; anything else invalid is not text
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)))
    return true
  } catch {
    return false
  }
}

const utf8 = new TextEncoder()

/** A display name safe to show and to put in Content-Disposition: no path, no control or bidi characters. */
export const sanitizeName = (raw: string | undefined, mime: string): string => {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? ''
  let name = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/["<>:|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
  // UTF-8 bytes counted with TextEncoder, not Buffer: the browser's E2E uploads name files here too.
  while (utf8.encode(name).length > 200) name = [...name].slice(0, -1).join('')
  return name === '' ? `attachment${EXTENSIONS[mime.split(';')[0] ?? ''] ?? ''}` : name
}

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/tiff': '.tiff',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
}
