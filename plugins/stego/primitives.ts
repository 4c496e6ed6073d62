// The platform operations the codec needs (randomness, argon2id, HKDF, AES, SHA-256, deflate), as
// one interface: primitives-node.ts (native) and primitives-browser.ts (WebCrypto, hash-wasm);
// and the UTF-8 conversions, which both platforms share.

/** argon2id cost parameters (RFC 9106), as in KdfParams, plus the output length. */
export interface Argon2idCost {
  /** Memory in KiB. */
  readonly memoryCost: number
  /** Passes over memory. */
  readonly timeCost: number
  readonly parallelism: number
  /** Bytes of output. */
  readonly outputLength: number
}

/**
 * Every operation the codec does not do in plain JavaScript. Both implementations give the same
 * bytes for the same input, except deflateRaw, whose output only has to be valid raw DEFLATE:
 * the codec uses it only when it is smaller, and any inflater reads it (docs/stego.md).
 * The codec never calls these on pixels, so an async boundary costs nothing that matters.
 */
export interface StegoPrimitives {
  /** Which implementation this is: 'node' or 'browser' (for tests and diagnostics). */
  readonly name: string
  /** Cryptographically secure random bytes (synchronous on both platforms). */
  randomBytes(length: number): Uint8Array
  /** argon2id, version 0x13 (RFC 9106), raw output. */
  argon2id(password: Uint8Array, salt: Uint8Array, cost: Argon2idCost): Promise<Uint8Array>
  /** HKDF with SHA-256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes. */
  hkdfSha256(
    ikm: Uint8Array,
    salt: Uint8Array,
    info: Uint8Array,
    length: number,
  ): Promise<Uint8Array>
  sha256(data: Uint8Array): Promise<Uint8Array>
  /** AES-256-GCM with a 12-byte nonce: ciphertext followed by the 16-byte tag. */
  aesGcmSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array>
  /** Inverse of aesGcmSeal; undefined when authentication fails. */
  aesGcmOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array | undefined>
  /**
   * `length` bytes of AES-256-CTR keystream (the encryption of zeros) from the 16-byte initial
   * counter block `iv`, incremented as a big-endian integer (NIST SP 800-38A). Callers keep the low
   * 64 bits far from wrapping, where implementations that count in fewer bits would differ.
   */
  aesCtrKeystream(key: Uint8Array, iv: Uint8Array, length: number): Promise<Uint8Array>
  /** Raw DEFLATE (RFC 1951), as strong as the platform offers. */
  deflateRaw(data: Uint8Array): Promise<Uint8Array>
  /** Raw inflate; undefined when `data` is not valid DEFLATE or inflates beyond `maxOutput` bytes. */
  inflateRaw(data: Uint8Array, maxOutput: number): Promise<Uint8Array | undefined>
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD on every platform). */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/**
 * Text of UTF-8 bytes; malformed sequences become U+FFFD (WHATWG decoding, the same everywhere).
 * A leading byte order mark is text like any other (TextDecoder would drop it by default).
 */
export const fromUtf8 = (bytes: Uint8Array): string =>
  new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
