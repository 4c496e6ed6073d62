// An E2E room's MLS group as a running hub holds it (on its RoomState): suite, group id, and the epoch
// every new Commit must be for. The epoch moves when a Commit is accepted, before it is stored, so two
// Commits for one epoch arriving in the same event-loop turn cannot both pass (the first one wins,
// RFC 9420 §14); a Commit that then fails to store gives its epoch back.
import { randomBytes } from 'node:crypto'
import type { Room } from '#core/db/schema/rooms'
import { DEFAULT_SUITE, type SuiteId, toBase64 } from '#core/protocol/e2e'
import type { E2eRoomView } from '#core/protocol/messages'
import { e2eRoomErrors } from './errors.ts'

export interface E2eGroup {
  suite: SuiteId
  group: Uint8Array
  /** `group` in base64, as views carry it. */
  groupB64: string
  /** The epoch after every Commit accepted so far, stored or on its way: what a new message must be for. */
  epoch: number
  /** The epoch after the Commits stored: what views show. */
  stored: number
  /** Users whose leaves the group must lose before application messages go on; loaded on first use. */
  pending: Set<string> | undefined
}

/** A new room's group: a random 16-byte id, epoch 0, the default suite. */
export const newGroup = (): { suite: SuiteId; group: Buffer } => ({
  suite: DEFAULT_SUITE,
  group: randomBytes(16),
})

/** The group of a room's row; undefined for a clear room. */
export const groupOf = (
  row: Pick<Room, 'e2eSuite' | 'e2eGroup' | 'e2eEpoch'>,
): E2eGroup | undefined => {
  if (row.e2eSuite === null || row.e2eGroup === null) return undefined
  const epoch = row.e2eEpoch ?? 0
  return {
    suite: row.e2eSuite as SuiteId,
    group: row.e2eGroup,
    groupB64: toBase64(row.e2eGroup),
    epoch,
    stored: epoch,
    pending: undefined,
  }
}

export const groupView = (g: E2eGroup): E2eRoomView => ({
  suite: g.suite,
  group: g.groupB64,
  epoch: g.stored,
})

/**
 * CHATHUB_E2E_ROOM_ENCRYPTED in an E2E room: what plain writes (say, edit, delete, react) and the
 * plugins' hub API (bots, bridges) get there; the hub has no plaintext to give them.
 */
export const refuseEncrypted = (room: { name: string; e2e: E2eGroup | undefined }): void => {
  if (room.e2e) throw e2eRoomErrors.e2eRoomEncrypted(room.name)
}
