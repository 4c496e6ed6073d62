// What the hub reads of MLS messages (RFC 9420 §6), through ts-mls: a message's wire format and the
// header a Delivery Service may see (group id, epoch, content type: §6.3.2 leaves them unencrypted),
// and the signatures of KeyPackages and vouches. No keys, no decryption; never our own cryptography.
// ts-mls is loaded on first use, or in the background once the hub listens: importing it costs a
// `chathub serve` start some 0.2 s (docs/performance.md, "Start-up").
import type {
  CiphersuiteImpl,
  decodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  KeyPackage,
  MLSMessage,
} from 'ts-mls'
import type { verifyKeyPackage } from 'ts-mls/keyPackage.js'
import { SUITE_NAMES, type SuiteId } from '#core/protocol/e2e'

export type MlsKind = 'application' | 'proposal' | 'commit'

interface MlsLibrary {
  decodeMlsMessage: typeof decodeMlsMessage
  getCiphersuiteImpl: typeof getCiphersuiteImpl
  getCiphersuiteFromName: typeof getCiphersuiteFromName
  verifyKeyPackage: typeof verifyKeyPackage
}

/** ts-mls for one hub: decoding (synchronous once loaded) and signature checks. */
export class MlsCodec {
  private lib: MlsLibrary | undefined = undefined
  private loading: Promise<MlsLibrary> | undefined = undefined
  private readonly impls = new Map<SuiteId, Promise<CiphersuiteImpl>>()

  /** Whether decode() can run now. */
  get loaded(): boolean {
    return this.lib !== undefined
  }

  load(): Promise<MlsLibrary> {
    this.loading ??= Promise.all([import('ts-mls'), import('ts-mls/keyPackage.js')]).then(
      ([mls, kp]) => {
        this.lib = {
          decodeMlsMessage: mls.decodeMlsMessage,
          getCiphersuiteImpl: mls.getCiphersuiteImpl,
          getCiphersuiteFromName: mls.getCiphersuiteFromName,
          verifyKeyPackage: kp.verifyKeyPackage,
        }
        return this.lib
      },
    )
    return this.loading
  }

  /** One MLSMessage filling `bytes` exactly, or undefined for anything else (garbage, trailing bytes). */
  decode(bytes: Uint8Array): MLSMessage | undefined {
    if (!this.lib) throw new Error('ts-mls is not loaded yet: await load() first')
    try {
      const decoded = this.lib.decodeMlsMessage(bytes, 0)
      if (!decoded || decoded[1] !== bytes.length || decoded[0].version !== 'mls10')
        return undefined
      return decoded[0]
    } catch {
      return undefined
    }
  }

  /** A cipher suite's implementation, made once (they are not free to build). */
  private async suite(id: SuiteId): Promise<CiphersuiteImpl> {
    let impl = this.impls.get(id)
    if (!impl) {
      const lib = await this.load()
      impl = lib.getCiphersuiteImpl(lib.getCiphersuiteFromName(SUITE_NAMES[id]))
      this.impls.set(id, impl)
    }
    return impl
  }

  /** Whether `signature` by `publicKey` over `message` verifies (false for malformed keys too). */
  async verify(
    id: SuiteId,
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> {
    const cs = await this.suite(id)
    try {
      return await cs.signature.verify(publicKey, message, signature)
    } catch {
      return false
    }
  }

  /** Whether the KeyPackage's own signature verifies (RFC 9420 §10.1). */
  async verifyKeyPackage(id: SuiteId, kp: KeyPackage): Promise<boolean> {
    const cs = await this.suite(id)
    const lib = await this.load()
    try {
      return await lib.verifyKeyPackage(kp, cs.signature)
    } catch {
      return false
    }
  }
}

/** The header of a handshake or application message: what the hub orders and checks it by. */
export interface MlsHeader {
  wire: 'public' | 'private'
  group: Uint8Array
  epoch: number
  kind: MlsKind
}

/** The header of a PublicMessage or PrivateMessage; undefined for any other wire format. */
export const headerOf = (message: MLSMessage): MlsHeader | undefined => {
  if (message.wireformat === 'mls_private_message') {
    const m = message.privateMessage
    return { wire: 'private', group: m.groupId, epoch: epochNumber(m.epoch), kind: m.contentType }
  }
  if (message.wireformat === 'mls_public_message') {
    const c = message.publicMessage.content
    return { wire: 'public', group: c.groupId, epoch: epochNumber(c.epoch), kind: c.contentType }
  }
  return undefined
}

/** Epochs past 2^53 never happen (one Commit per ms for 285 000 years); -1 makes them stale. */
const epochNumber = (epoch: bigint): number =>
  epoch <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(epoch) : -1

/**
 * Bytes of canonical standard base64, or undefined for anything else (the frame schemas check the
 * alphabet; this also refuses a wrong length or padding, which Buffer would decode leniently).
 */
export const base64Bytes = (text: string): Buffer | undefined => {
  if (text.length % 4 !== 0) return undefined
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i])
