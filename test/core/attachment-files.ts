// Test files for the attachment suites: PNGs with metadata chunks, a JPEG with EXIF and a comment,
// and a decompression bomb (a tiny PNG whose header claims 50000×50000). Built in memory, no fixtures.
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (bytes: Buffer): number => {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

export const pngChunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** Insert chunks right after IHDR (signature 8 + IHDR 25 bytes). */
export const withPngChunks = (png: Buffer, chunks: Buffer[]): Buffer =>
  Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)])

/** Names of a PNG's chunks, in order. */
export const pngChunkTypes = (png: Buffer): string[] => {
  const out: string[] = []
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at)
    out.push(png.toString('latin1', at + 4, at + 8))
    at += 12 + length
  }
  return out
}

export const PNG_METADATA = [
  pngChunk('tEXt', Buffer.from('Comment\0shot at 51.5007N 0.1246W', 'latin1')),
  pngChunk('tIME', Buffer.from([0x07, 0xea, 1, 2, 3, 4, 5])),
  pngChunk('eXIf', Buffer.from('MM\0*\0\0\0\x08\0\0', 'latin1')),
]

/** A JPEG with an EXIF APP1 (from sharp) and a COM segment inserted after SOI. */
export const jpegWithMetadata = async (raw: Buffer, width: number, height: number): Promise<Buffer> => {
  const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Copyright: 'GPS 51.5007N', Artist: 'exif-artist-marker' } })
    .toBuffer()
  const text = Buffer.from('com-marker-text', 'latin1')
  const com = Buffer.alloc(4)
  com.writeUInt16BE(0xfffe, 0)
  com.writeUInt16BE(text.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), com, text, jpeg.subarray(2)])
}

/** A valid-looking PNG of a few dozen bytes whose header claims 50000×50000 RGB pixels. */
export const pngBomb = (): Buffer => {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(50_000, 0)
  ihdr.writeUInt32BE(50_000, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}
