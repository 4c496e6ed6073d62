// The MLS messages of a room as they come from the hub (RFC 9420 §6): decoded strictly (one whole
// message, nothing after it, no larger than the hub carries), and what can be read of them before
// any decryption: their group, epoch and content type.
import {
  type MlsPrivateMessage,
  type MlsPublicMessage,
  type MLSMessage,
  type RatchetTree,
  type Welcome,
  decodeMlsMessage,
} from 'ts-mls'
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js'
import { MLS_MESSAGE_MAX } from '#core/protocol/messages'
import { e2eErrors } from './errors.ts'

/** An application message, proposal or Commit of a room. */
export type RoomMessage = MlsPrivateMessage | MlsPublicMessage

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

const decodeMessage = (data: Uint8Array): MLSMessage | undefined => {
  if (data.length > MLS_MESSAGE_MAX) return undefined
  try {
    const decoded = decodeMlsMessage(data, 0)
    return decoded && decoded[1] === data.length ? decoded[0] : undefined
  } catch {
    return undefined
  }
}

/** An application or handshake message of a room; anything else is malformed here. */
export const decodeRoomMessage = (data: Uint8Array): RoomMessage => {
  const message = decodeMessage(data)
  if (message?.wireformat === 'mls_private_message' || message?.wireformat === 'mls_public_message')
    return message
  throw e2eErrors.cannotDecrypt('malformed')
}

export const decodeWelcome = (data: Uint8Array): Welcome => {
  const message = decodeMessage(data)
  if (message?.wireformat === 'mls_welcome') return message.welcome
  throw e2eErrors.cannotDecrypt('malformed')
}

/** The ratchet tree in an encoded GroupInfo (the `groupinfo` answer), if it carries one. */
export const ratchetTreeOf = (groupInfo: Uint8Array): RatchetTree | undefined => {
  const message = decodeMessage(groupInfo)
  if (message?.wireformat !== 'mls_group_info') throw e2eErrors.cannotDecrypt('malformed')
  return ratchetTreeFromExtension(message.groupInfo)
}

export const epochOf = (m: RoomMessage): number =>
  Number(
    m.wireformat === 'mls_private_message' ? m.privateMessage.epoch : m.publicMessage.content.epoch,
  )
export const groupIdOf = (m: RoomMessage): Uint8Array =>
  m.wireformat === 'mls_private_message'
    ? m.privateMessage.groupId
    : m.publicMessage.content.groupId
export const contentTypeOf = (m: RoomMessage): string =>
  m.wireformat === 'mls_private_message'
    ? m.privateMessage.contentType
    : m.publicMessage.content.contentType
