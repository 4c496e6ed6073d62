// The codec's primitives with nothing but what browsers have (Node 20 has it all too, which the tests
// use): WebCrypto, CompressionStream, and argon2id from hash-wasm (WebAssembly). Web Worker safe.
import { argon2id } from 'hash-wasm'
import type { StegoPrimitives } from './primitives.ts'

/** crypto.getRandomValues fills at most this many bytes per call. */
const RANDOM_CHUNK = 65_536

/** A copy on a plain ArrayBuffer: what WebCrypto's BufferSource asks for, whatever the input. */
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes)

const subtle = () => globalThis.crypto.subtle

const aesKey = (key: Uint8Array, name: 'AES-GCM' | 'AES-CTR', usage: 'encrypt' | 'decrypt') =>
  subtle().importKey('raw', own(key), { name }, false, [usage])

/** The whole output of a (de)compression stream, or undefined past `max` bytes or on bad input. */
const drain = async (
  data: Uint8Array,
  transform: CompressionStream | DecompressionStream,
  max = Infinity,
): Promise<Uint8Array | undefined> => {
  const reader = new Blob([own(data)]).stream().pipeThrough(transform).getReader()
  const parts: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      // stop inflating at once: a bomb from a passphrase holder must not fill the memory
      if (total > max) {
        await reader.cancel()
        return undefined
      }
      parts.push(value)
    }
  } catch {
    return undefined
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export const browserPrimitives: StegoPrimitives = {
  name: 'browser',

  randomBytes: (length) => {
    const out = new Uint8Array(length)
    for (let at = 0; at < length; at += RANDOM_CHUNK) {
      globalThis.crypto.getRandomValues(out.subarray(at, Math.min(length, at + RANDOM_CHUNK)))
    }
    return out
  },

  // Synchronous WebAssembly under an async signature: run it in a Web Worker, never on the page.
  argon2id: (password, salt, cost) =>
    argon2id({
      password,
      salt,
      memorySize: cost.memoryCost,
      iterations: cost.timeCost,
      parallelism: cost.parallelism,
      hashLength: cost.outputLength,
      outputType: 'binary',
    }),

  hkdfSha256: async (ikm, salt, info, length) => {
    const key = await subtle().importKey('raw', own(ikm), 'HKDF', false, ['deriveBits'])
    const bits = await subtle().deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) },
      key,
      length * 8,
    )
    return new Uint8Array(bits)
  },

  sha256: async (data) => new Uint8Array(await subtle().digest('SHA-256', own(data))),

  aesGcmSeal: async (key, nonce, plaintext, aad) =>
    new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-GCM', iv: own(nonce), additionalData: own(aad), tagLength: 128 },
        await aesKey(key, 'AES-GCM', 'encrypt'),
        own(plaintext),
      ),
    ),

  aesGcmOpen: async (key, nonce, sealed, aad) => {
    if (sealed.length < 16) return undefined
    const cryptoKey = await aesKey(key, 'AES-GCM', 'decrypt')
    try {
      const params = { name: 'AES-GCM', iv: own(nonce), additionalData: own(aad), tagLength: 128 }
      return new Uint8Array(await subtle().decrypt(params, cryptoKey, own(sealed)))
    } catch {
      return undefined
    }
  },

  // The low 64 bits count (WebCrypto's `length`); callers never come near wrapping them, so the
  // stream equals Node's, which counts in all 128.
  aesCtrKeystream: async (key, iv, length) =>
    new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-CTR', counter: own(iv), length: 64 },
        await aesKey(key, 'AES-CTR', 'encrypt'),
        new Uint8Array(length),
      ),
    ),

  // CompressionStream has no level: the platform's default (zlib's level 6 in Chromium and Node).
  // The bytes may differ from Node's level 9; any inflater reads both (the frame holds the length).
  deflateRaw: async (data) => {
    const out = await drain(data, new CompressionStream('deflate-raw'))
    if (!out) throw new Error('deflate failed')
    return out
  },

  inflateRaw: (data, maxOutput) => drain(data, new DecompressionStream('deflate-raw'), maxOutput),
}
