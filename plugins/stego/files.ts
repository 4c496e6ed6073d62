// Image files in, image files out: the codec and image I/O put together for clients (the CLI's
// `stego embed/extract`, `send --image`, `reveal`). Runs on the sender's machine, never in the hub.
import { capacity, type Capacity, embed, type EmbedResult, extract, type Payload, type Progress, startKeys } from './codec.ts'
import { stegoErrors } from './errors.ts'
import { readImage, type ReadResult, writePng } from './image-io.ts'
import type { KdfParams } from './kdf.ts'
import { payloadOverhead, payloadSize } from './payload.ts'

export interface FileOptions {
  /** Refuse images above this many pixels. */
  maxPixels?: number
  /** Resample by this factor in (0, 1) first: the remedy for JPEG covers (docs/stego.md). */
  downscale?: number
  /** argon2id parameters; tests only. */
  kdf?: KdfParams
  onProgress?: Progress
}

export interface EmbeddedFile {
  /** Lossless PNG, no metadata. */
  png: Buffer
  capacity: Capacity
  /** Bytes of the payload as given (UTF-8 text, or the file's bytes). */
  payloadBytes: number
  changeRate: number
  /** Above safeBytes: works, but steganalysis may notice. */
  overSafe: boolean
  /** The cover was a JPEG and was not downscaled: its block grid can betray the changes. */
  jpegRisk: boolean
  width: number
  height: number
  matrixK: EmbedResult['matrixK']
}

export { payloadSize } from './payload.ts'

/** Decode, check capacity, embed, encode as PNG. Throws STEGO_PAYLOAD_TOO_LARGE above maxBytes. */
export const embedInFile = async (
  cover: Uint8Array,
  payload: Payload,
  passphrase: string,
  opts: FileOptions = {},
): Promise<EmbeddedFile> => {
  // The KDF needs no pixels: it runs on the thread pool while the cover is decoded.
  const keys = startKeys(passphrase, opts.kdf)
  const read = await readCover(cover, opts)
  const cap = capacity(read.image)
  // maxBytes is a promise that holds for any payload: refuse above it even when text would compress
  const need = payloadSize(payload) + payloadOverhead(payload) - 1
  if (need > cap.maxBytes) throw stegoErrors.payloadTooLarge(need, cap.maxBytes)
  const result = await embed(read.image, payload, passphrase, {
    keys,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  })
  opts.onProgress?.(0, 'encode')
  const png = await writePng(result.pixels)
  opts.onProgress?.(1, 'encode')
  return {
    png,
    capacity: cap,
    payloadBytes: payloadSize(payload),
    changeRate: result.changeRate,
    overSafe: result.overSafe,
    jpegRisk: read.fromJpeg && !read.downscaled,
    width: read.image.width,
    height: read.image.height,
    matrixK: result.matrixK,
  }
}

/** Decode and extract; STEGO_NO_MESSAGE for a wrong passphrase, nothing hidden or a re-encoded image. */
export const extractFromFile = async (
  bytes: Uint8Array,
  passphrase: string,
  opts: Pick<FileOptions, 'maxPixels' | 'kdf' | 'onProgress'> = {},
): Promise<Payload> => {
  const { image } = await readImage(bytes, opts.maxPixels === undefined ? {} : { maxPixels: opts.maxPixels })
  return extract(image, passphrase, {
    ...(opts.kdf ? { kdf: opts.kdf } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  })
}

/** What an image file can carry, and whether it was a JPEG. */
export const fileCapacity = async (
  bytes: Uint8Array,
  opts: Pick<FileOptions, 'maxPixels' | 'downscale'> = {},
): Promise<Capacity & { width: number; height: number; format: string; fromJpeg: boolean }> => {
  const read = await readCover(bytes, opts)
  return {
    ...capacity(read.image),
    width: read.image.width,
    height: read.image.height,
    format: read.format,
    fromJpeg: read.fromJpeg,
  }
}

const readCover = (bytes: Uint8Array, opts: Pick<FileOptions, 'maxPixels' | 'downscale'>): Promise<ReadResult> => {
  if (opts.downscale !== undefined && !(opts.downscale > 0 && opts.downscale < 1)) {
    throw stegoErrors.optionInvalid('downscale must be between 0 and 1 (e.g. 0.75)')
  }
  return readImage(bytes, {
    ...(opts.maxPixels === undefined ? {} : { maxPixels: opts.maxPixels }),
    ...(opts.downscale === undefined ? {} : { downscale: opts.downscale }),
  })
}
