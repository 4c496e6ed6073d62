// What the stego worker does with a picture: capacity, steganalysis, hide and reveal, with the
// same codec as the CLI (create-codec.ts) over the browser's primitives, and PNG in and out
// through png.ts. No DOM in here (the worker injects its picture decoder), so tests run it in Node.
import { analyze } from '#plugins/stego/analysis'
import {
  createCodec,
  type KdfParams,
  type Payload,
  type Progress,
} from '#plugins/stego/create-codec'
import { stegoErrors } from '#plugins/stego/errors'
import { payloadOverhead, payloadSize } from '#plugins/stego/payload'
import { browserPrimitives } from '#plugins/stego/primitives-browser'
import type { StegoPrimitives } from '#plugins/stego/primitives'
import { type Cover, type DecodeOther, readCover } from './image.ts'
import { DEFAULT_MAX_PIXELS, writePng } from './png.ts'
import type { HiddenImage, ImageAnalysis, ImageCheck } from './protocol.ts'

export interface StegoOpsOptions {
  /** How pictures other than PNG are decoded (the worker: decodeWithBitmap). */
  decodeOther: DecodeOther
  /** Default: the browser's (primitives-browser.ts). */
  primitives?: StegoPrimitives
  /** argon2id parameters; tests only (the default is the newest version, as in the CLI). */
  kdf?: KdfParams
  maxPixels?: number
}

export interface StegoOps {
  capacity(file: Uint8Array): Promise<ImageCheck>
  analyze(file: Uint8Array): Promise<ImageAnalysis>
  hide(
    file: Uint8Array,
    text: string,
    passphrase: string,
    onProgress?: Progress,
  ): Promise<HiddenImage>
  reveal(file: Uint8Array, passphrase: string, onProgress?: Progress): Promise<Payload>
}

/** The bytes of `view` alone, on an ArrayBuffer of their own (to transfer to the page). */
const ownBuffer = (view: Uint8Array): ArrayBuffer => view.slice().buffer

export const createStegoOps = (opts: StegoOpsOptions): StegoOps => {
  const codec = createCodec(opts.primitives ?? browserPrimitives)
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  const kdf = opts.kdf ? { kdf: opts.kdf } : {}

  const checkOf = ({ image, format }: Cover): ImageCheck => ({
    width: image.width,
    height: image.height,
    format,
    fromJpeg: format === 'jpeg',
    capacity: codec.capacity(image),
  })

  return {
    capacity: async (file) => checkOf(await readCover(file, opts.decodeOther, maxPixels)),

    analyze: async (file) => {
      const cover = await readCover(file, opts.decodeOther, maxPixels)
      return { ...checkOf(cover), analysis: analyze(cover.image) }
    },

    hide: async (file, text, passphrase, onProgress) => {
      const cover = await readCover(file, opts.decodeOther, maxPixels)
      const check = checkOf(cover)
      const payload: Payload = { kind: 'text', text }
      // maxBytes holds for any text: refuse above it even when this one would compress (as the CLI)
      const need = payloadSize(payload) + payloadOverhead(payload) - 1
      if (need > check.capacity.maxBytes)
        throw stegoErrors.payloadTooLarge(need, check.capacity.maxBytes)
      const result = await codec.embed(cover.image, payload, passphrase, {
        ...kdf,
        ...(onProgress ? { onProgress } : {}),
      })
      onProgress?.(0, 'encode')
      const png = writePng(result.pixels)
      onProgress?.(1, 'encode')
      onProgress?.(0, 'analyze')
      const analysis = analyze(result.pixels)
      onProgress?.(1, 'analyze')
      return {
        ...check,
        png: ownBuffer(png),
        payloadBytes: payloadSize(payload),
        changeRate: result.changeRate,
        overSafe: result.overSafe,
        analysis,
      }
    },

    reveal: async (file, passphrase, onProgress) => {
      const { image } = await readCover(file, opts.decodeOther, maxPixels)
      return codec.extract(image, passphrase, { ...kdf, ...(onProgress ? { onProgress } : {}) })
    },
  }
}
