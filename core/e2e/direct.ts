// End-to-end encrypted direct conversations (docs/e2e.md, "Direct messages"): what a new direct room
// is. The hub cannot make an MLS group, so a `dm` with `e2e` from a device gets a room with a new
// group id, and that device makes the group; with `e2e.directMessages` on, the hub opens no new
// conversation in clear, so an old client cannot start one (CHATHUB_E2E_REQUIRED). A conversation
// that exists already is returned as it is, clear or not: nothing here runs for it.
import type { Connection } from '#core/connections/connection'
import type { ClientFrameOf } from '#core/protocol/messages'
import { newGroup } from './group.ts'
import { e2eRoomErrors } from './errors.ts'

/**
 * The group of a new direct room opened by `frame` on `conn` (undefined: a clear room). Called
 * only when the conversation does not exist yet, inside the transaction that creates it.
 */
export const newDirectGroup = (
  conn: Connection,
  frame: ClientFrameOf<'dm'>,
  required: boolean,
): ReturnType<typeof newGroup> | undefined => {
  if (!frame.e2e) {
    if (required) throw e2eRoomErrors.e2eRequired(frame.user)
    return undefined
  }
  if (!conn.device)
    throw e2eRoomErrors.e2eDeviceRequired('open an end-to-end encrypted direct conversation')
  return newGroup()
}
