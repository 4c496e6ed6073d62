// What the hub and every client agree on for end-to-end encrypted rooms (docs/e2e.md), besides the
// frames: how a device is named inside MLS, what a vouch signs, and base64 for binary fields.
// No cryptography here: signatures are made and checked with ts-mls's cipher suite (never our own).

/** The only MLS cipher suite for now: X25519, AES-128-GCM, SHA-256, Ed25519. */
export const DEFAULT_SUITE = 1
export const SUITE_NAMES = { 1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' } as const
export type SuiteId = keyof typeof SUITE_NAMES

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A device's MLS basic-credential identity: `user/device` in UTF-8 (user names have no "/"). */
export const credentialIdentity = (user: string, device: string): Uint8Array => utf8.encode(`${user}/${device}`)

/** The user and device an MLS credential names, or undefined when it is not one of ours. */
export const parseCredentialIdentity = (identity: Uint8Array): { user: string; device: string } | undefined => {
  let text: string
  try {
    text = fromUtf8.decode(identity)
  } catch {
    return undefined
  }
  const match = /^([a-z0-9][a-z0-9._-]{0,31})\/([A-Za-z0-9_-]{8,64})$/.exec(text)
  return match ? { user: match[1]!, device: match[2]! } : undefined
}

/**
 * What a device signs to vouch for another device of the same account (its Ed25519 key):
 * a fixed label, the account, the new device's id, then its public key. Checked by the hub when
 * the vouch is registered, and by every client before it adds the device to a group.
 */
export const vouchStatement = (user: string, device: string, key: Uint8Array): Uint8Array => {
  const head = utf8.encode(`chathub-vouch-v1\n${user}\n${device}\n`)
  const out = new Uint8Array(head.length + key.length)
  out.set(head)
  out.set(key, head.length)
  return out
}

/**
 * Node's Buffer where there is one (its base64 is native; Node's btoa and atob are slow JavaScript:
 * a group state of a 100-device room took 5 ms to encode through them), else the browser's btoa/atob.
 */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(data: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string }
      from(text: string, encoding: 'base64'): Uint8Array
    }
  }
).Buffer

/** Standard base64 of bytes (the wire's form of MLS messages, keys and signatures). */
export const toBase64 = (bytes: Uint8Array): string => {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** Bytes of standard base64 (the frame schemas have checked the alphabet). */
export const fromBase64 = (text: string): Uint8Array => {
  // A copy: a small Buffer is a view into a shared pool, and MLS code may keep or read `.buffer`.
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(text, 'base64'))
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}
