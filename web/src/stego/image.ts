// Picture bytes → RawImage in the browser: PNG through png.ts (the exact stored samples), anything
// else through the browser's own decoder. Hidden messages only ever live in PNGs, so the decoder's
// liberties with a JPEG or WebP cover (colour management, rounding) only touch a fresh cover.
import { stegoErrors } from '#plugins/stego/errors'
import type { RawImage } from '#plugins/stego/raw-image'
import { DEFAULT_MAX_PIXELS, isPng, readPng } from './png.ts'

export interface Cover {
  image: RawImage
  /** 'png', 'jpeg', 'webp', 'gif', 'bmp', 'avif' or 'unknown' (sniffed from the first bytes). */
  format: string
}

/** Decodes a non-PNG picture (the worker passes bitmap.ts's decodeWithBitmap). */
export type DecodeOther = (bytes: Uint8Array, maxPixels: number) => Promise<RawImage>

const startsWith = (bytes: Uint8Array, at: number, text: string) =>
  [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0))

/** The container format by its magic bytes, as the CLI's sharp names it. */
export const sniffFormat = (bytes: Uint8Array): string => {
  if (isPng(bytes)) return 'png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return 'webp'
  if (startsWith(bytes, 0, 'GIF8')) return 'gif'
  if (startsWith(bytes, 0, 'BM')) return 'bmp'
  if (startsWith(bytes, 4, 'ftypavif')) return 'avif'
  return 'unknown'
}

export const readCover = async (
  bytes: Uint8Array,
  decodeOther: DecodeOther,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<Cover> => {
  if (bytes.length === 0) throw stegoErrors.imageInvalid('empty input')
  const format = sniffFormat(bytes)
  if (format === 'png') return { image: readPng(bytes, maxPixels), format }
  if (format === 'unknown') throw stegoErrors.imageInvalid('not a recognised image')
  return { image: await decodeOther(bytes, maxPixels), format }
}
