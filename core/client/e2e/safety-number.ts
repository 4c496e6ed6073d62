// Safety numbers (`chathub verify USER`, docs/e2e.md "Verifying a contact"): one number two users
// compare out of band, over both users' names and their trusted devices' Ed25519 keys. Signal's
// numeric fingerprint (libsignal's NumericFingerprintGenerator, version 2), with a user's set of
// devices where Signal has one identity key. Pure (SHA-512 from @noble/hashes): browsers use it too.
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { fromBase64 } from '#core/protocol/e2e'

/** Hash iterations per half, as Signal: they make a search for a colliding device set costlier. */
const ITERATIONS = 5200
/** Names this derivation; a new one would change every number. */
const LABEL = 'chathub-safety-number-v1'
/** Each half is 30 digits: six 5-byte chunks of the hash, each reduced mod 100000 (as Signal). */
const CHUNKS = 6
const CHUNK_BYTES = 5
const CHUNK_MOD = 100_000

const utf8 = new TextEncoder()

/** One side of a safety number: a user and the Ed25519 keys (base64) of their trusted devices. */
export interface SafetyParty {
  user: string
  devices: readonly { device: string; key: string }[]
}

/**
 * The 60-digit safety number of two users: the same from either side (order-independent), and
 * another one as soon as a device is added to or removed from either set or a key changes.
 */
export const safetyNumber = (a: SafetyParty, b: SafetyParty): string => {
  const halves = [a, b]
    .map((party) => ({ user: party.user, digits: halfOf(party) }))
    .sort((x, y) => (x.user < y.user ? -1 : x.user > y.user ? 1 : 0))
  return halves.map((h) => h.digits).join('')
}

/** The number as people read it: groups of five digits, six groups on a line. */
export const formatSafetyNumber = (
  digits: string,
  options: { perLine?: number } = {},
): string[] => {
  const groups = digits.match(/\d{1,5}/g) ?? []
  const perLine = options.perLine ?? 6
  const lines: string[] = []
  for (let i = 0; i < groups.length; i += perLine)
    lines.push(groups.slice(i, i + perLine).join(' '))
  return lines
}

/** Spaces and line breaks dropped: a number as typed back (`--expect`) compared with the digits. */
export const normalizeSafetyNumber = (typed: string): string => typed.replace(/\s+/g, '')

/**
 * A user's 30 digits: SHA-512 iterated over the label, the user and each device (by id, so the
 * order the hub lists them in does not matter), each field length-prefixed so that no two
 * different sets encode to the same bytes.
 */
const halfOf = (party: SafetyParty): string => {
  const devices = [...party.devices].sort((x, y) =>
    x.device < y.device ? -1 : x.device > y.device ? 1 : 0,
  )
  const input = concat([
    field(utf8.encode(LABEL)),
    field(utf8.encode(party.user)),
    u32(devices.length),
    ...devices.flatMap((d) => [field(utf8.encode(d.device)), field(fromBase64(d.key))]),
  ])
  let hash = sha512(input)
  for (let i = 0; i < ITERATIONS; i++) hash = sha512.create().update(hash).update(input).digest()
  let digits = ''
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    let value = 0
    // 5 bytes big-endian: at most 2^40, exact in a double.
    for (let i = 0; i < CHUNK_BYTES; i++) value = value * 256 + hash[chunk * CHUNK_BYTES + i]!
    digits += String(value % CHUNK_MOD).padStart(5, '0')
  }
  return digits
}

const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

const field = (bytes: Uint8Array): Uint8Array => concat([u32(bytes.length), bytes])

const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts)
