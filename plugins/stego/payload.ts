// What is hidden, before it is sealed: payload serialisation, deflate (RFC 1951) through the
// platform's primitives and Padmé padding. Sealing (AES-256-GCM) and the bit layout: create-codec.ts.
import { stegoErrors } from './errors.ts'
import { fromUtf8, type StegoPrimitives, utf8 } from './primitives.ts'

export type Payload =
  | { kind: 'text'; text: string }
  | { kind: 'file'; name: string; data: Uint8Array }

const KIND_TEXT = 0
const KIND_FILE = 1
const FLAG_DEFLATED = 1
/** flags byte + u32 body length in front of the (maybe deflated) body. */
const FRAME_HEADER = 5
/** Smallest padded plaintext: hides the length of short messages completely. */
export const MIN_PADDED = 64
export const TAG_BYTES = 16
/** Inflating a sealed body may produce at most this much (a bomb from a passphrase holder). */
const MAX_INFLATED = 256 * 1024 * 1024

/** Bytes of the serialised payload before compression: 1 for text, 2 + name for a file. */
export const payloadOverhead = (payload: Payload): number =>
  payload.kind === 'text' ? 1 : 2 + utf8(payload.name).length

/** Bytes of the payload as given: UTF-8 text, or the file's bytes. */
export const payloadSize = (payload: Payload): number =>
  payload.kind === 'text' ? utf8(payload.text).length : payload.data.length

const validName = (name: string): boolean => {
  const bytes = utf8(name).length
  return bytes >= 1 && bytes <= 255 && !/[/\\\u0000-\u001f\u007f]/.test(name) && name !== '.' && name !== '..'
}

export const serializePayload = (payload: Payload): Uint8Array => {
  if (payload.kind === 'text') {
    const text = utf8(payload.text)
    const out = new Uint8Array(1 + text.length)
    out[0] = KIND_TEXT
    out.set(text, 1)
    return out
  }
  if (!validName(payload.name)) throw stegoErrors.fileNameInvalid()
  const name = utf8(payload.name)
  const out = new Uint8Array(2 + name.length + payload.data.length)
  out[0] = KIND_FILE
  out[1] = name.length
  out.set(name, 2)
  out.set(payload.data, 2 + name.length)
  return out
}

/** Inverse of serializePayload; undefined when the bytes are not a payload. */
export const parsePayload = (bytes: Uint8Array): Payload | undefined => {
  const kind = bytes[0]
  if (kind === KIND_TEXT) {
    return { kind: 'text', text: fromUtf8(bytes.subarray(1)) }
  }
  if (kind === KIND_FILE && bytes.length >= 2) {
    const nameLength = bytes[1]!
    if (bytes.length < 2 + nameLength) return undefined
    const name = fromUtf8(bytes.subarray(2, 2 + nameLength))
    if (!validName(name)) return undefined
    return { kind: 'file', name, data: new Uint8Array(bytes.subarray(2 + nameLength)) }
  }
  return undefined
}

/**
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with
 * PURBs", PETS 2019): round up so that only O(log log L) bits of the length remain, overhead ≤ 12%.
 */
export const padme = (length: number): number => {
  if (length < 2) return length
  const e = Math.floor(Math.log2(length))
  const s = Math.floor(Math.log2(e)) + 1
  const step = 2 ** (e - s)
  return Math.ceil(length / step) * step
}

/** Padded plaintext length for a serialised payload of `size` bytes stored without deflate. */
export const paddedLength = (size: number): number => padme(Math.max(FRAME_HEADER + size, MIN_PADDED))

/** A valid sealed-length field value: what a real embedding could have written. */
export const isPaddedLength = (length: number): boolean =>
  length >= MIN_PADDED && padme(length) === length

type Deflate = StegoPrimitives['deflateRaw']

/** Flags, length, the body (deflated when that is smaller) and Padmé padding. */
const frame = (raw: Uint8Array, deflated: Uint8Array): Uint8Array => {
  const useDeflate = deflated.length < raw.length
  const body = useDeflate ? deflated : raw
  const out = new Uint8Array(paddedLength(body.length))
  out[0] = useDeflate ? FLAG_DEFLATED : 0
  new DataView(out.buffer).setUint32(1, body.length)
  out.set(body, FRAME_HEADER)
  return out
}

/** Serialise, deflate when it helps, frame and pad. */
export const framePayload = (deflate: Deflate, payload: Payload): Promise<Uint8Array> =>
  frameSerialized(deflate, serializePayload(payload))

/**
 * framePayload of an already serialised payload. The Node primitives deflate on a libuv worker
 * thread, so the caller can go on with work that does not need the frame meanwhile.
 */
export const frameSerialized = async (deflate: Deflate, raw: Uint8Array): Promise<Uint8Array> =>
  frame(raw, await deflate(raw))

/** Inverse of framePayload; undefined when the frame is inconsistent. */
export const unframePayload = async (
  inflate: StegoPrimitives['inflateRaw'],
  framed: Uint8Array,
): Promise<Payload | undefined> => {
  if (framed.length < FRAME_HEADER) return undefined
  const flags = framed[0]!
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(1)
  if ((flags & ~FLAG_DEFLATED) !== 0 || FRAME_HEADER + length > framed.length) return undefined
  const body = framed.subarray(FRAME_HEADER, FRAME_HEADER + length)
  if (!(flags & FLAG_DEFLATED)) return parsePayload(body)
  const inflated = await inflate(body, MAX_INFLATED)
  return inflated && parsePayload(inflated)
}
