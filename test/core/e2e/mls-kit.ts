// Real MLS data for the hub's E2E tests, made with ts-mls directly (the hub never sees a private key;
// these play the devices): device keys, vouches, KeyPackages, groups, Commits with Welcomes and
// GroupInfo, application messages, and the frames that carry them.
import {
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processMessage,
} from 'ts-mls'
import type { ChatClient } from '#core/client/sdk'
import type { ClientFrameOf } from '#core/protocol/messages'
import {
  credentialIdentity,
  fromBase64,
  parseCredentialIdentity,
  toBase64,
  vouchStatement,
} from '#core/protocol/e2e'

let cached: Promise<CiphersuiteImpl> | undefined
export const suite = (): Promise<CiphersuiteImpl> =>
  (cached ??= getCiphersuiteImpl(
    getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'),
  ))

export interface TestDevice {
  user: string
  device: string
  keys: { publicKey: Uint8Array; signKey: Uint8Array }
}

export const newDevice = async (user: string, device: string): Promise<TestDevice> => ({
  user,
  device,
  keys: await (await suite()).signature.keygen(),
})

/** The body of a `device` frame for `d` (optionally vouched for by another device of the same user). */
export const deviceBody = (d: TestDevice, vouch?: { by: string; signature: string }) => ({
  device: d.device,
  name: `${d.device} name`,
  key: toBase64(d.keys.publicKey),
  ...(vouch ? { vouch } : {}),
})

/** `by` vouches for `d`: its signature over the vouch statement. */
export const vouchOf = async (
  by: TestDevice,
  d: TestDevice,
): Promise<{ by: string; signature: string }> => ({
  by: by.device,
  signature: toBase64(
    await (
      await suite()
    ).signature.sign(by.keys.signKey, vouchStatement(d.user, d.device, d.keys.publicKey)),
  ),
})

export interface TestKeyPackage {
  publicPackage: KeyPackage
  privatePackage: PrivateKeyPackage
  /** The MLSMessage in base64, as `keypackages` carries it. */
  b64: string
}

/** A KeyPackage of `d` (or with another credential identity or signature key, to be refused). */
export const keyPackage = async (
  d: TestDevice,
  options: { identity?: Uint8Array; keys?: TestDevice['keys'] } = {},
): Promise<TestKeyPackage> => {
  const credential = {
    credentialType: 'basic' as const,
    identity: options.identity ?? credentialIdentity(d.user, d.device),
  }
  const kp = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    options.keys ?? d.keys,
    await suite(),
  )
  const b64 = toBase64(
    encodeMlsMessage({
      wireformat: 'mls_key_package',
      keyPackage: kp.publicPackage,
      version: 'mls10',
    }),
  )
  return { ...kp, b64 }
}

export const encode = (message: MLSMessage): string => toBase64(encodeMlsMessage(message))
export const decode = (b64: string): MLSMessage => {
  const decoded = decodeMlsMessage(fromBase64(b64), 0)
  if (!decoded) throw new Error('not an MLS message')
  return decoded[0]
}

/** A device's view of a room's group. */
export class Member {
  constructor(
    readonly device: TestDevice,
    public state: ClientState,
  ) {}

  /** Create the group with the id the hub chose (`create` ack). */
  static async create(device: TestDevice, groupB64: string): Promise<Member> {
    const kp = await keyPackage(device)
    return new Member(
      device,
      await createGroup(
        fromBase64(groupB64),
        kp.publicPackage,
        kp.privatePackage,
        [],
        await suite(),
      ),
    )
  }

  /** Join from a Welcome (base64) with the KeyPackage it was made for. */
  static async join(device: TestDevice, welcomeB64: string, kp: TestKeyPackage): Promise<Member> {
    const message = decode(welcomeB64)
    if (message.wireformat !== 'mls_welcome') throw new Error('not a Welcome')
    const state = await joinGroup(
      message.welcome,
      kp.publicPackage,
      kp.privatePackage,
      emptyPskIndex,
      await suite(),
    )
    return new Member(device, state)
  }

  get epoch(): number {
    return Number(this.state.groupContext.epoch)
  }

  /** A Commit adding these KeyPackages (base64) and removing these users' leaves; not applied until `applied`. */
  async commit(
    options: { add?: string[]; remove?: string[]; publicMessage?: boolean } = {},
  ): Promise<{ data: string; groupInfo: string; welcome?: string; newState: ClientState }> {
    const cs = await suite()
    const adds = (options.add ?? []).map((b64) => {
      const m = decode(b64)
      if (m.wireformat !== 'mls_key_package') throw new Error('not a KeyPackage')
      return { proposalType: 'add' as const, add: { keyPackage: m.keyPackage } }
    })
    const removes = this.leavesOf(options.remove ?? []).map((removed) => ({
      proposalType: 'remove' as const,
      remove: { removed },
    }))
    const result = await createCommit(
      { state: this.state, cipherSuite: cs },
      {
        wireAsPublicMessage: options.publicMessage ?? false,
        ratchetTreeExtension: true,
        extraProposals: [...adds, ...removes],
      },
    )
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(result.newState, [], cs)
    return {
      data: encode(result.commit),
      groupInfo: encode({ wireformat: 'mls_group_info', groupInfo, version: 'mls10' }),
      ...(result.welcome
        ? {
            welcome: encode({
              wireformat: 'mls_welcome',
              welcome: result.welcome,
              version: 'mls10',
            }),
          }
        : {}),
      newState: result.newState,
    }
  }

  /** Leaf indexes of these users' devices. */
  private leavesOf(users: string[]): number[] {
    const out: number[] = []
    this.state.ratchetTree.forEach((node, i) => {
      if (node?.nodeType !== 'leaf' || i % 2 !== 0) return
      const credential = node.leaf.credential
      if (credential.credentialType !== 'basic') return
      const who = parseCredentialIdentity(credential.identity)
      if (who && users.includes(who.user)) out.push(i / 2)
    })
    return out
  }

  /** An application message with this plaintext (base64 PrivateMessage); the state moves on. */
  async encrypt(text: string): Promise<string> {
    const result = await createApplicationMessage(
      this.state,
      new TextEncoder().encode(text),
      await suite(),
    )
    this.state = result.newState
    return encode({
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
      version: 'mls10',
    })
  }

  /** Process a message from the room: the plaintext of an application message, undefined for a Commit. */
  async process(b64: string): Promise<string | undefined> {
    const message = decode(b64)
    if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message')
      throw new Error('not a message')
    const result = await processMessage(
      message,
      this.state,
      emptyPskIndex,
      acceptAll,
      await suite(),
    )
    this.state = result.newState
    return result.kind === 'applicationMessage'
      ? new TextDecoder().decode(result.message)
      : undefined
  }
}

let txns = 0
export const txn = (): string => `t${Date.now()}-${++txns}`

/** Send an `mls` frame. */
export const sendMls = (
  client: ChatClient,
  room: string,
  data: string,
  extra: Partial<Omit<ClientFrameOf<'mls'>, 'type' | 'ref' | 'room' | 'data'>> = {},
) => client.request('mls', { room, txn: txn(), data, ...extra })

/** Register (or bind) a device on a connection. */
export const bindDevice = (
  client: ChatClient,
  d: TestDevice,
  vouch?: { by: string; signature: string },
) => client.request('device', deviceBody(d, vouch))
