// PNG bytes ↔ RawImage in the browser with fast-png (pure JS): the exact stored samples, never a
// canvas (colour management and premultiplied alpha can change them). Samples are converted as the
// CLI's sharp path converts them (plugins/stego/image-io.ts), so both read the same pixels.
import { decode, encode, type DecodedPng } from 'fast-png'
import { stegoErrors } from '#plugins/stego/errors'
import type { RawImage } from '#plugins/stego/raw-image'

/** The CLI's limit (image-io.ts): refuse larger images before decoding anything. */
export const DEFAULT_MAX_PIXELS = 40_000_000

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** PNG colour types (PNG spec §11.2.2, IHDR). */
const GREY = 0
const RGB = 2
const INDEXED = 3
const GREY_ALPHA = 4
const RGBA = 6

export const isPng = (bytes: Uint8Array): boolean =>
  bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b)

interface Header {
  width: number
  height: number
  depth: number
  colourType: number
  interlaced: boolean
}

/** IHDR, read before fast-png allocates anything, so that the pixel limit holds. */
const readHeader = (bytes: Uint8Array): Header => {
  const ihdr = String.fromCharCode(...bytes.subarray(12, 16))
  if (bytes.length < 33 || !isPng(bytes) || ihdr !== 'IHDR')
    throw stegoErrors.imageInvalid('not a PNG file')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24]!,
    colourType: bytes[25]!,
    interlaced: bytes[28] === 1,
  }
}

/**
 * Decode a PNG to 8-bit grey, RGB or RGBA, the channel layout readImage gives: grey stays grey,
 * a palette becomes RGB, and any transparency (alpha channel or tRNS) gives RGBA. 16-bit samples
 * keep their high byte and 1/2/4-bit grey is scaled to 0..255, as libvips does.
 */
export const readPng = (bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): RawImage => {
  const header = readHeader(bytes)
  const { width, height } = header
  if (width < 1 || height < 1) throw stegoErrors.imageInvalid('no dimensions')
  if (width * height > maxPixels) throw stegoErrors.imageTooLarge(width * height, maxPixels)
  // fast-png 8 unpacks Adam7 passes whole bytes at a time, which is wrong below 8 bits
  if (header.interlaced && header.depth < 8) {
    throw stegoErrors.unsupportedFormat('interlaced PNG with fewer than 8 bits per sample')
  }
  let png: DecodedPng
  try {
    // CRCs checked: a damaged file is refused, as libpng refuses it for the CLI
    png = decode(bytes, { checkCrc: true })
  } catch {
    throw stegoErrors.imageInvalid('damaged or truncated PNG data')
  }
  if (png.width !== width || png.height !== height)
    throw stegoErrors.imageInvalid('damaged PNG header')
  return toRaw(png, header)
}

/** Sample i of a row-packed buffer of `depth`-bit samples (rows start on a byte). */
const sampleReader = (
  png: DecodedPng,
  samplesPerRow: number,
): ((row: number, i: number) => number) => {
  const { data, depth } = png
  if (depth >= 8) return (row, i) => data[row * samplesPerRow + i]!
  const rowBytes = Math.ceil((samplesPerRow * depth) / 8)
  const mask = (1 << depth) - 1
  return (row, i) => {
    const bit = i * depth
    return (data[row * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask
  }
}

const toRaw = (png: DecodedPng, header: Header): RawImage => {
  const { width, height, depth, colourType } = header
  const pixels = width * height
  const to8 =
    depth === 16
      ? (v: number) => v >> 8
      : depth < 8
        ? (v: number) => (v * 255) / ((1 << depth) - 1)
        : (v: number) => v
  if (colourType === INDEXED) {
    const palette = png.palette ?? []
    const channels = palette[0]?.length === 4 ? 4 : 3
    const data = new Uint8Array(pixels * channels)
    const index = sampleReader(png, width)
    for (let row = 0, o = 0; row < height; row++) {
      for (let x = 0; x < width; x++) {
        const colour = palette[index(row, x)]
        if (!colour) throw stegoErrors.imageInvalid('palette index out of range')
        for (let c = 0; c < channels; c++) data[o++] = colour[c] ?? 255
      }
    }
    return { data, width, height, channels }
  }
  const colours = colourType === RGB || colourType === RGBA ? 3 : 1
  const stored = colourType === GREY_ALPHA || colourType === RGBA ? colours + 1 : colours
  if (
    colourType !== GREY &&
    colourType !== RGB &&
    colourType !== GREY_ALPHA &&
    colourType !== RGBA
  ) {
    throw stegoErrors.imageInvalid(`unknown PNG colour type ${colourType}`)
  }
  const sample = sampleReader(png, width * stored)
  // tRNS on grey or RGB: one colour (at the stored depth) is fully transparent, the rest opaque
  const key = png.transparency
  const keyed = key !== undefined && key.length >= colours && stored === colours
  const channels = stored > colours || keyed ? 4 : colours
  // the common case (8-bit grey, RGB or RGBA, no tRNS): fast-png's samples are the pixels
  if (depth === 8 && channels === stored && png.data instanceof Uint8Array) {
    return { data: png.data, width, height, channels }
  }
  const data = new Uint8Array(pixels * channels)
  for (let row = 0, o = 0; row < height; row++) {
    for (let x = 0; x < width; x++) {
      const at = x * stored
      if (channels === colours) {
        for (let c = 0; c < colours; c++) data[o++] = to8(sample(row, at + c))
        continue
      }
      let transparent = keyed
      for (let c = 0; c < 3; c++) {
        const v = sample(row, at + (colours === 3 ? c : 0))
        if (keyed && v !== key[colours === 3 ? c : 0]) transparent = false
        data[o++] = to8(v)
      }
      data[o++] = keyed ? (transparent ? 0 : 255) : to8(sample(row, at + colours))
    }
  }
  return { data, width, height, channels }
}

/** Lossless 8-bit PNG of `image` (grey, RGB or RGBA as given), with no ancillary chunks at all. */
export const writePng = (image: RawImage): Uint8Array =>
  encode(
    {
      width: image.width,
      height: image.height,
      data: image.data,
      depth: 8,
      channels: image.channels,
    },
    { zlib: { level: 6 } },
  )
