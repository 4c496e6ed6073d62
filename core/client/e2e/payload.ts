// What travels inside an application message of an end-to-end encrypted room: the hub sees only
// ciphertext, so everything it would otherwise read — text, replies, attachments with their keys,
// edits, deletes, reactions — is this JSON, versioned and checked on arrival like any frame.
import { type Static, Type } from '#typebox'
import { compile } from '#core/schema/validator'
import { e2eErrors } from './errors.ts'

/** The largest payload accepted (the protocol's largest text, its attachments and JSON around them). */
export const PAYLOAD_MAX_BYTES = 96 * 1024

const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const Text = Type.String({ minLength: 1, maxLength: 16000 })
/** 32 bytes in standard base64 (an AES-256 key, a SHA-256 hash). */
const Bytes32 = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' })
const Pixels = Type.Integer({ minimum: 1, maximum: 65535 })

/** A file sent encrypted (file-crypto.ts): the hub stores the ciphertext under `id`. */
export const E2eAttachment = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  mime: Type.String({ minLength: 1, maxLength: 127 }),
  /** Bytes of the plaintext. */
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** The file's AES-256-GCM key. */
  key: Bytes32,
  /** SHA-256 of the plaintext, checked after decryption. */
  sha256: Bytes32,
  width: Type.Optional(Pixels),
  height: Type.Optional(Pixels),
})
export type E2eAttachment = Static<typeof E2eAttachment>

// Unknown fields are allowed (and ignored), so that a newer client can add optional ones without
// making its messages unreadable to older clients; a new kind of message is a new `t`.
export const E2ePayload = Type.Union([
  Type.Object({
    v: Type.Literal(1),
    t: Type.Literal('say'),
    text: Type.String({ maxLength: 16000 }),
    replyTo: Type.Optional(Seq),
    /** The sender's id for the message, as in `say`: a resend with the same txn is the same message. */
    txn: Type.String({ minLength: 1, maxLength: 64 }),
    attachments: Type.Optional(Type.Array(E2eAttachment, { minItems: 1, maxItems: 10 })),
  }),
  Type.Object({ v: Type.Literal(1), t: Type.Literal('edit'), seq: Seq, text: Text }),
  Type.Object({ v: Type.Literal(1), t: Type.Literal('delete'), seq: Seq }),
  Type.Object({
    v: Type.Literal(1),
    t: Type.Literal('react'),
    seq: Seq,
    /** One emoji (with skin tone, ZWJ sequence or flag), as in `react`. */
    emoji: Type.String({ minLength: 1, maxLength: 32 }),
    remove: Type.Optional(Type.Boolean()),
  }),
])
export type E2ePayload = Static<typeof E2ePayload>

const checker = compile(E2ePayload)
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A `say` needs text or a file: an empty message is nothing to show. */
const isEmptySay = (p: E2ePayload): boolean =>
  p.t === 'say' && p.text.length === 0 && !p.attachments

/** The bytes to encrypt for `payload`; E2E_PAYLOAD_INVALID (nothing sent) when it breaks the schema. */
export const encodePayload = (payload: E2ePayload): Uint8Array => {
  if (!checker.check(payload)) throw e2eErrors.payloadInvalid(checker.problems())
  if (isEmptySay(payload)) throw e2eErrors.payloadInvalid(['a message needs text or attachments'])
  const bytes = utf8.encode(JSON.stringify(payload))
  if (bytes.length > PAYLOAD_MAX_BYTES)
    throw e2eErrors.payloadInvalid([`larger than ${PAYLOAD_MAX_BYTES} bytes`])
  return bytes
}

/** The payload in decrypted bytes; E2E_CANNOT_DECRYPT (reason malformed) when they are not one. */
export const decodePayload = (bytes: Uint8Array): E2ePayload => {
  if (bytes.length > PAYLOAD_MAX_BYTES) throw e2eErrors.cannotDecrypt('malformed')
  let value: unknown
  try {
    value = JSON.parse(fromUtf8.decode(bytes))
  } catch (err) {
    throw e2eErrors.cannotDecrypt('malformed', err)
  }
  if (!checker.check(value) || isEmptySay(value)) throw e2eErrors.cannotDecrypt('malformed')
  return value
}
