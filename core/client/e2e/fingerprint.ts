// A device key as people compare it (docs/e2e.md, "Devices"): the first 16 bytes of its SHA-256, in
// groups of four hex digits. WebCrypto's digest, so the CLI and the browser show the same string.
import { fromBase64 } from '#core/protocol/e2e'

export const fingerprint = async (keyBase64: string): Promise<string> => {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(fromBase64(keyBase64))))
  return [...digest.subarray(0, 16)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .replace(/(.{4})(?=.)/g, '$1 ')
}
