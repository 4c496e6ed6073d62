// Files in end-to-end encrypted rooms: each one encrypted on the sender's device under a fresh
// AES-256-GCM key (WebCrypto, in Node and browsers alike); the key and the plaintext's SHA-256
// travel inside the encrypted message (payload.ts), the hub stores only the ciphertext.
import { fromBase64, toBase64 } from '#core/protocol/e2e'
import { e2eErrors } from './errors.ts'

/** AES-GCM's recommended nonce length (NIST SP 800-38D §8.2). */
const IV_BYTES = 12

export interface EncryptedFile {
  /** What to upload: the nonce, then the ciphertext with its tag. */
  data: Uint8Array
  /** The AES-256 key, base64: for the message's attachment entry only. */
  key: string
  /** SHA-256 of the plaintext, base64. */
  sha256: string
}

const subtle = () => globalThis.crypto.subtle

const isArrayBufferBacked = (bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> =>
  bytes.buffer instanceof ArrayBuffer

/** Bytes as WebCrypto's types take them: a view of an ArrayBuffer (one of a SharedArrayBuffer is copied). */
const bufferSource = (bytes: Uint8Array): Uint8Array<ArrayBuffer> =>
  isArrayBufferBacked(bytes) ? bytes : new Uint8Array(bytes)

/** Encrypt a file under a key made for it alone. */
export const encryptFile = async (plaintext: Uint8Array): Promise<EncryptedFile> => {
  const rawKey = globalThis.crypto.getRandomValues(new Uint8Array(32))
  // A key is used once, so any nonce would do; a random one costs nothing should that ever change.
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const key = await subtle().importKey('raw', rawKey, 'AES-GCM', false, ['encrypt'])
  const sealed = await subtle().encrypt({ name: 'AES-GCM', iv }, key, bufferSource(plaintext))
  const data = new Uint8Array(IV_BYTES + sealed.byteLength)
  data.set(iv)
  data.set(new Uint8Array(sealed), IV_BYTES)
  return { data, key: toBase64(rawKey), sha256: await sha256(plaintext) }
}

/**
 * The plaintext of an encrypted file, checked against its key (the GCM tag) and its hash.
 * E2E_FILE_CORRUPT when either does not match: the bytes were altered, or the key is not theirs.
 */
export const decryptFile = async (
  data: Uint8Array,
  keyBase64: string,
  sha256Base64: string,
): Promise<Uint8Array> => {
  let plaintext: Uint8Array
  try {
    const raw = bufferSource(fromBase64(keyBase64))
    const key = await subtle().importKey('raw', raw, 'AES-GCM', false, ['decrypt'])
    const sealed = bufferSource(data)
    const iv = sealed.subarray(0, IV_BYTES)
    const opened = await subtle().decrypt({ name: 'AES-GCM', iv }, key, sealed.subarray(IV_BYTES))
    plaintext = new Uint8Array(opened)
  } catch (err) {
    throw e2eErrors.fileCorrupt(err)
  }
  if ((await sha256(plaintext)) !== sha256Base64) throw e2eErrors.fileCorrupt()
  return plaintext
}

const sha256 = async (bytes: Uint8Array): Promise<string> =>
  toBase64(new Uint8Array(await subtle().digest('SHA-256', bufferSource(bytes))))
