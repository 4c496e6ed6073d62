// The codec's primitives on Node: node:crypto, node:zlib and @node-rs/argon2 (native argon2id on
// libuv's thread pool). What the CLI uses; the browser has primitives-browser.ts.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRaw, inflateRaw } from 'node:zlib'
import { hashRaw } from '@node-rs/argon2'
import type { StegoPrimitives } from './primitives.ts'

const TAG_BYTES = 16
/** zlib's strongest level: the frame is small next to the image, so the time does not show. */
const DEFLATE_LEVEL = 9

const view = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

export const nodePrimitives: StegoPrimitives = {
  name: 'node',

  randomBytes: (length) => view(randomBytes(length)),

  argon2id: async (password, salt, cost) =>
    view(
      await hashRaw(Buffer.from(password.buffer, password.byteOffset, password.byteLength), {
        // the package's default algorithm is argon2id (its Algorithm is a const enum; asserted in the tests)
        memoryCost: cost.memoryCost,
        timeCost: cost.timeCost,
        parallelism: cost.parallelism,
        outputLen: cost.outputLength,
        salt,
      }),
    ),

  hkdfSha256: async (ikm, salt, info, length) =>
    new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),

  sha256: async (data) => view(createHash('sha256').update(data).digest()),

  aesGcmSeal: async (key, nonce, plaintext, aad) => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad)
    return view(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
  },

  aesGcmOpen: async (key, nonce, sealed, aad) => {
    if (sealed.length < TAG_BYTES) return undefined
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    try {
      return view(
        Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]),
      )
    } catch {
      return undefined
    }
  },

  aesCtrKeystream: async (key, iv, length) =>
    view(createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(length))),

  // On a libuv worker thread, so that the codec goes on with work that does not need the frame.
  // The output buffer holds the whole result (zlib's deflateBound is below n + n/256 + 1024): one
  // job on the thread, instead of a round trip through the busy main thread per 16 KiB of output.
  deflateRaw: (data) =>
    new Promise((resolve, reject) => {
      const chunkSize = data.length + (data.length >> 8) + 1024
      deflateRaw(data, { level: DEFLATE_LEVEL, chunkSize }, (err, out) =>
        err ? reject(err) : resolve(view(out)),
      )
    }),

  inflateRaw: (data, maxOutput) =>
    new Promise((resolve) => {
      inflateRaw(data, { maxOutputLength: maxOutput }, (err, out) =>
        resolve(err ? undefined : view(out)),
      )
    }),
}
