// Who is in a room's MLS group, read from its ratchet tree (each leaf's basic credential names its
// `user/device`), what a Commit changed, and who sent a message ts-mls has authenticated.
import type { ClientState, RatchetTree } from 'ts-mls'
import { decryptSenderData } from 'ts-mls/privateMessage.js'
import { parseCredentialIdentity } from '#core/protocol/e2e'
import type { DeviceRef } from './errors.ts'
import type { RoomMessage } from './mls-messages.ts'
import { cipherSuite } from './suite.ts'

/** A device in the group: its account and device id (its MLS credential, `user/device`). */
export type Member = DeviceRef
export interface MemberLeaf extends Member {
  /** Its leaf index in the ratchet tree. */
  leaf: number
}

export const sameMember = (a: Member, b: Member): boolean =>
  a.user === b.user && a.device === b.device

export const membersOf = (tree: RatchetTree): MemberLeaf[] =>
  tree.flatMap((node, index) => {
    if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') return []
    const owner = parseCredentialIdentity(node.leaf.credential.identity)
    // Leaves sit at the even node indices of the array-represented tree (RFC 9420 Appendix C).
    return owner ? [{ ...owner, leaf: index / 2 }] : []
  })

export const membershipChange = (
  before: ClientState,
  after: ClientState,
): { added: Member[]; removed: Member[] } => {
  const key = (m: Member) => `${m.user}/${m.device}`
  const [was, is] = [membersOf(before.ratchetTree), membersOf(after.ratchetTree)]
  const [wasKeys, isKeys] = [new Set(was.map(key)), new Set(is.map(key))]
  const strip = ({ user, device }: MemberLeaf): Member => ({ user, device })
  return {
    added: is.filter((m) => !wasKeys.has(key(m))).map(strip),
    removed: was.filter((m) => !isKeys.has(key(m))).map(strip),
  }
}

/** The `to` and `removed` of the `mls` frame: users with an added device, users left with no device. */
export const usersOf = (
  plan: { added: Member[]; removed: Member[] },
  after: Member[],
): { added: string[]; removed: string[] } => ({
  added: [...new Set(plan.added.map((m) => m.user))],
  removed: [...new Set(plan.removed.map((m) => m.user))].filter(
    (user) => !after.some((m) => m.user === user),
  ),
})

/**
 * The member who sent a message ts-mls has just authenticated with `state` (the state it was
 * processed in). ts-mls does not return a PrivateMessage's sender, so its sender data is decrypted
 * again (one AEAD) to read the leaf, with the keys of the message's epoch.
 */
export const senderOf = async (state: ClientState, m: RoomMessage): Promise<Member> => {
  const unknown = { user: '?', device: '?' }
  if (m.wireformat === 'mls_public_message') {
    const sender = m.publicMessage.content.sender
    return sender.senderType === 'member'
      ? (memberAt(state.ratchetTree, sender.leafIndex) ?? unknown)
      : unknown
  }
  const epoch = m.privateMessage.epoch
  const historical = state.historicalReceiverData.get(epoch)
  const current = epoch === state.groupContext.epoch
  const secret = current ? state.keySchedule.senderDataSecret : historical?.senderDataSecret
  const tree = current ? state.ratchetTree : historical?.ratchetTree
  const senderData =
    secret && (await decryptSenderData(m.privateMessage, secret, await cipherSuite()))
  return (senderData && tree && memberAt(tree, senderData.leafIndex)) || unknown
}

export const memberAt = (tree: RatchetTree, leaf: number): Member | undefined => {
  const found = membersOf(tree).find((m) => m.leaf === leaf)
  return found && { user: found.user, device: found.device }
}
