// Direct conversations: a room of kind 'direct' between two accounts, opened (idempotently) with the
// `dm` frame. Its name is reserved and derived from both user ids (`dm-<low id>-<high id>`, ids are
// never reused), so both sides and every hub process arrive at the same room; it is private, has
// exactly its two participants as members (role `member`, no owner) and nobody can change that.
import { and, eq } from '#drizzle'
import { type Db, writeTransaction } from '#core/db/client'
import { type Room, roomMembers, rooms } from '#core/db/schema/rooms'
import { directErrors } from './errors.ts'

/** Names of this shape belong to direct conversations; `create` refuses them. */
export const DIRECT_ROOM_NAME = /^dm-(\d{1,15})-(\d{1,15})$/

export const isReservedRoomName = (name: string): boolean => DIRECT_ROOM_NAME.test(name)

/** The one room name of the conversation between two accounts (order does not matter). */
export const directRoomName = (a: number, b: number): string => `dm-${Math.min(a, b)}-${Math.max(a, b)}`

/** What a new direct room is: its MLS group for an end-to-end encrypted one (core/e2e/direct.ts). */
export type NewDirect = () => { suite: number; group: Buffer } | undefined

/**
 * The direct room of two accounts, created on first use with both as members. `created` says
 * whether this call made it. A legacy ordinary room that took the name makes it impossible.
 * `fresh` runs only when the room is made (it may refuse by throwing; nothing is written then).
 */
export const openDirectRoom = (
  db: Db,
  openerId: number,
  peerId: number,
  fresh: NewDirect = () => undefined,
): { room: Room; created: boolean } => {
  const name = directRoomName(openerId, peerId)
  return writeTransaction(db, (tx) => {
    const existing = tx.select().from(rooms).where(eq(rooms.name, name)).get()
    if (existing) {
      if (existing.kind !== 'direct') throw directErrors.nameReserved(name)
      return { room: existing, created: false }
    }
    const e2e = fresh()
    const room = tx
      .insert(rooms)
      .values({
        name,
        isPrivate: true,
        topic: '',
        kind: 'direct',
        createdBy: openerId,
        ...(e2e ? { e2eSuite: e2e.suite, e2eGroup: e2e.group, e2eEpoch: 0 } : {}),
      })
      .returning()
      .get()
    tx.insert(roomMembers)
      .values([
        { roomId: room.id, userId: openerId, role: 'member' },
        { roomId: room.id, userId: peerId, role: 'member' },
      ])
      .run()
    return { room, created: true }
  })
}

/** Whether the account takes part in the direct room (for rooms of kind 'direct' only). */
export const isParticipant = (db: Db, roomId: number, userId: number): boolean =>
  db
    .select({ r: roomMembers.roomId })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .get() !== undefined
