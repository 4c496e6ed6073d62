// Image files ↔ RawImage: any common format in through sharp (libvips), lossless PNG out with no
// metadata, and a pure-JS PNG reader (pngjs) that yields the same pixels without native code.
import { PNG } from 'pngjs'
import sharp, { type Metadata, type OutputInfo } from 'sharp'
import { stegoErrors } from './errors.ts'
import type { RawImage } from './raw-image.ts'

export const DEFAULT_MAX_PIXELS = 40_000_000
const FORMATS = new Set(['png', 'jpeg', 'webp', 'gif', 'tiff'])

export interface ReadOptions {
  /** Refuse images with more pixels than this (decompression bombs). Default 40 megapixels. */
  maxPixels?: number
  /**
   * Scale by this factor in (0, 1) with a Lanczos filter before use. The remedy for JPEG covers:
   * resampling by a non-integer factor such as 0.75 scatters the 8×8 block grid that a JPEG
   * leaves in the pixels, which "JPEG compatibility" steganalysis (Fridrich, Goljan & Du 2001)
   * would otherwise use to spot any change.
   */
  downscale?: number
}

export interface ReadResult {
  image: RawImage
  /** Container format as sharp names it: png, jpeg, webp, gif, tiff. */
  format: string
  /** The cover was a JPEG: its block grid can betray any change; warn or use `downscale`. */
  fromJpeg: boolean
  /** Bits per sample in the file; 16-bit images are converted to 8 bits. */
  sourceBitDepth: 8 | 16
  /** True when `downscale` was applied. */
  downscaled: boolean
}

const checkMaxPixels = (opts: ReadOptions): number => {
  const limit = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  if (!(Number.isInteger(limit) && limit > 0)) throw stegoErrors.optionInvalid('maxPixels must be a positive integer')
  if (opts.downscale !== undefined && !(opts.downscale > 0 && opts.downscale < 1)) {
    throw stegoErrors.optionInvalid('downscale must be between 0 and 1')
  }
  return limit
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** Decode any supported format to 8-bit grey, RGB or RGBA (first frame, EXIF orientation applied). */
export const readImage = async (bytes: Uint8Array, opts: ReadOptions = {}): Promise<ReadResult> => {
  const limit = checkMaxPixels(opts)
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw stegoErrors.imageInvalid('empty input')
  const input = asBuffer(bytes)
  let meta: Metadata
  try {
    // reads the header only; the pixel count is checked before anything is decoded
    meta = await sharp(input, { limitInputPixels: false }).metadata()
  } catch {
    throw stegoErrors.imageInvalid('not a recognised image')
  }
  const format = meta.format ?? 'unknown'
  if (!FORMATS.has(format)) throw stegoErrors.unsupportedFormat(format)
  const width = meta.width ?? 0
  const height = meta.pageHeight ?? meta.height ?? 0
  if (width < 1 || height < 1) throw stegoErrors.imageInvalid('no dimensions')
  if (width * height > limit) throw stegoErrors.imageTooLarge(width * height, limit)

  const grey = (meta.channels === 1 || meta.channels === 2) && !meta.hasAlpha
  let pipeline = sharp(input, { limitInputPixels: limit, pages: 1, failOn: 'warning' }).autoOrient()
  if (opts.downscale !== undefined) {
    const f = opts.downscale
    pipeline = pipeline.resize({
      width: Math.max(1, Math.round(width * f)),
      height: Math.max(1, Math.round(height * f)),
      kernel: 'lanczos3',
      fit: 'fill',
    })
  }
  pipeline = meta.hasAlpha
    ? pipeline.toColourspace('srgb').ensureAlpha()
    : grey
      ? pipeline.toColourspace('b-w')
      : pipeline.toColourspace('srgb').removeAlpha()
  let data: Buffer
  let info: OutputInfo
  try {
    ;({ data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }))
  } catch (err) {
    const message = err instanceof Error ? err.message : ''
    if (/pixel limit/i.test(message)) throw stegoErrors.imageTooLarge(width * height, limit)
    throw stegoErrors.imageInvalid('damaged or truncated image data')
  }
  const channels = info.channels
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw stegoErrors.imageInvalid(`unexpected ${channels}-channel decode`)
  }
  return {
    image: {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels,
    },
    format,
    fromJpeg: format === 'jpeg',
    sourceBitDepth: meta.depth === 'ushort' ? 16 : 8,
    downscaled: opts.downscale !== undefined,
  }
}

/** Lossless 8-bit PNG (grey, RGB or RGBA as given), with no metadata chunks at all. */
export const writePng = async (image: RawImage): Promise<Buffer> => {
  const { data, width, height, channels } = image
  // sharp writes no EXIF, XMP, ICC or text chunks unless withMetadata() is asked for
  const pipeline = sharp(asBuffer(data), { raw: { width, height, channels } })
  // one channel stays a greyscale PNG (libvips would otherwise widen it to RGB)
  return (channels === 1 ? pipeline.toColourspace('b-w') : pipeline)
    .png({ compressionLevel: 6, palette: false, force: true })
    .toBuffer()
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Whether a chunk of this type appears before the image data. */
const hasChunk = (png: Buffer, type: string): boolean => {
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at)
    const name = png.toString('latin1', at + 4, at + 8)
    if (name === type) return true
    if (name === 'IDAT') return false
    at += 12 + length
  }
  return false
}

/**
 * PNG → RawImage in pure JavaScript (pngjs), the same pixels and channel layout as readImage.
 * The header is checked against the pixel limit before pngjs allocates anything.
 */
export const readPngPure = (bytes: Uint8Array, opts: ReadOptions = {}): ReadResult => {
  const limit = checkMaxPixels(opts)
  const input = asBuffer(bytes)
  if (input.length < 33 || !input.subarray(0, 8).equals(PNG_SIGNATURE) || input.toString('latin1', 12, 16) !== 'IHDR') {
    throw stegoErrors.imageInvalid('not a PNG file')
  }
  const width = input.readUInt32BE(16)
  const height = input.readUInt32BE(20)
  if (width < 1 || height < 1) throw stegoErrors.imageInvalid('no dimensions')
  if (width * height > limit) throw stegoErrors.imageTooLarge(width * height, limit)
  let png: ReturnType<typeof PNG.sync.read>
  try {
    png = PNG.sync.read(input)
  } catch {
    throw stegoErrors.imageInvalid('damaged or truncated PNG data')
  }
  const rgba = png.data
  // like libvips: an alpha channel, or a tRNS chunk (which pngjs applies but does not report)
  const channels = png.alpha || hasChunk(input, 'tRNS') ? 4 : png.color || png.palette ? 3 : 1
  const n = width * height
  const data = new Uint8Array(n * channels)
  if (channels === 4) data.set(rgba)
  else {
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < channels; c++) data[p * channels + c] = rgba[p * 4 + c]!
    }
  }
  return {
    image: { data, width, height, channels },
    format: 'png',
    fromJpeg: false,
    sourceBitDepth: input[24] === 16 ? 16 : 8,
    downscaled: false,
  }
}
