// Membership of E2E rooms as MLS sees it. A user whose membership ends (leave, kick, ban, an admin's
// removal, account removal, a removed device) keeps their leaves in the room's group until a member's
// device commits their removal: until then the room has a pending removal, members are told
// (`e2e.remove`), and application messages wait (core/e2e/mls-send.ts), so nobody encrypts for them.
// Their Welcomes for the room go at once.
import type { Connection } from '#core/connections/connection'
import { writeTransaction } from '#core/db/client'
import type { AckResults } from '#core/protocol/messages'
import { hasInvite, isBanned } from '#core/rooms/queries'
import type { RoomState } from '#core/rooms/room-state'
import { findUser } from '#core/users/queries'
import type { E2eContext } from './context.ts'
import { type E2eGroup, groupView } from './group.ts'
import { queueRemoval } from './queries.ts'

/** The room's pending removals (user names), loaded on first use. */
export const pendingOf = (ctx: E2eContext, room: RoomState, group: E2eGroup): Set<string> => {
  group.pending ??= new Set(ctx.q.pendingStmt.all(room.id).map((r) => r.user))
  return group.pending
}

/** An `e2e.remove` with every pending removal of the room to its followers (nothing when none). */
const announce = (ctx: E2eContext, room: RoomState, group: E2eGroup): void => {
  const users = [...pendingOf(ctx, room, group)]
  if (users.length > 0) ctx.rooms.broadcast(room, { type: 'e2e.remove', room: room.name, users })
}

/** Queue the removal of these users' leaves from an E2E room, and tell its followers. */
export const queueRemovals = (
  ctx: E2eContext,
  room: RoomState,
  users: readonly { id: number; name: string }[],
): void => {
  const group = room.e2e
  if (!group || users.length === 0) return
  writeTransaction(ctx.db, () => {
    for (const user of users) queueRemoval(ctx.db, room.id, user)
  })
  const pending = pendingOf(ctx, room, group)
  for (const user of users) pending.add(user.name)
  announce(ctx, room, group)
}

/** Whether the user may have leaves in the room's group: a member, or invited (and not banned). */
export const mayBeInGroup = (ctx: E2eContext, room: RoomState, userId: number): boolean =>
  ctx.rooms.roleOf(room, userId) !== undefined ||
  (hasInvite(ctx.db, room.id, userId) && !isBanned(ctx.db, room.id, userId))

/**
 * Run a change that may end `target`'s place in the room (leave, kick, ban); in an E2E room, queue the
 * removal of their leaves once it is done, if they may have had any.
 */
export const whileRemoving = (
  ctx: E2eContext,
  roomName: string,
  target: string,
  run: () => void,
): void => {
  const room = ctx.rooms.find(roomName)
  if (!room?.e2e) return run()
  const user = findUser(ctx.db, target)
  const had = user !== undefined && mayBeInGroup(ctx, room, user.id)
  run()
  if (user && had && ctx.rooms.roleOf(room, user.id) === undefined) queueRemovals(ctx, room, [user])
}

/** A room changed outside this hub (admin command, account removal): read its removals again, tell its followers. */
export const roomChanged = (ctx: E2eContext, roomId: number): void => {
  const room = ctx.rooms.findById(roomId)
  if (!room?.e2e) return
  room.e2e.pending = undefined
  announce(ctx, room, room.e2e)
}

/** A connection that binds a device hears of the pending removals in the E2E rooms its user is in. */
export const tellPending = (ctx: E2eContext, conn: Connection): void => {
  if (!conn.user) return
  const byRoom = new Map<string, string[]>()
  for (const { room, user } of ctx.q.pendingOfMemberStmt.all(conn.user.userId)) {
    const users = byRoom.get(room)
    if (users) users.push(user)
    else byRoom.set(room, [user])
  }
  for (const [room, users] of byRoom) conn.send({ type: 'e2e.remove', room, users })
}

/** What a join ack says of an E2E room: its group, and the Welcome waiting for this connection's device. */
export const joinView = (
  ctx: E2eContext,
  conn: Connection,
  room: RoomState,
  group: E2eGroup,
): AckResults['join']['e2e'] => {
  const view: NonNullable<AckResults['join']['e2e']> = groupView(group)
  const welcome = conn.device && ctx.q.welcomeStmt.get(room.id, conn.device.id)
  if (welcome)
    view.welcome = { room: room.name, seq: welcome.seq, data: welcome.data.toString('base64') }
  return view
}

/** After a join ack: the pending removals of the room, for the newcomer's device to commit. */
export const tellPendingIn = (
  ctx: E2eContext,
  conn: Connection,
  room: RoomState,
  group: E2eGroup,
): void => {
  const users = [...pendingOf(ctx, room, group)]
  if (users.length > 0) conn.send({ type: 'e2e.remove', room: room.name, users })
}
