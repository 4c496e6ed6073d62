// Room queries shared by the hub and the admin CLI: plain functions over the Drizzle db.
import { and, asc, count, eq, sql } from '#drizzle'
import { recordChange } from '#core/changes/feed'
import { type Db, writeTransaction } from '#core/db/client'
import { type Role, type Room, type RoomKind, roomBans, roomInvites, roomMembers, rooms } from '#core/db/schema/rooms'
import { users } from '#core/db/schema/users'
import { coreErrors } from '#core/errors'
import { isReservedRoomName } from './direct.ts'
import { directErrors } from './errors.ts'

export const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/

export const checkRoomName = (name: string): string => {
  if (!ROOM_NAME.test(name)) {
    throw coreErrors.inputInvalid(
      `"${name}" is not a valid room name (1-32 of a-z, 0-9 and "-", starting with a letter or digit)`,
    )
  }
  return name
}

export const findRoom = (db: Db, name: string): Room | undefined =>
  db.select().from(rooms).where(eq(rooms.name, name)).get()

export const requireRoom = (db: Db, name: string): Room => {
  const room = findRoom(db, name)
  if (!room) throw coreErrors.roomNotFound(name)
  return room
}

export const findRoomById = (db: Db, id: number): Room | undefined =>
  db.select().from(rooms).where(eq(rooms.id, id)).get()

/** The longest topic a room may have. */
export const MAX_TOPIC_LENGTH = 256

export const checkTopic = (topic: string): string => {
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw coreErrors.inputInvalid(`the topic is longer than ${MAX_TOPIC_LENGTH} characters`)
  }
  return topic
}

/** Change a room's topic, privacy and/or read receipts (the fields given). */
export const updateRoomSettings = (
  db: Db,
  roomId: number,
  settings: { topic?: string; isPrivate?: boolean; readReceipts?: boolean; retentionDays?: number | null },
): void => {
  if (Object.values(settings).every((v) => v === undefined)) return
  db.update(rooms).set(settings).where(eq(rooms.id, roomId)).run()
}

export const createRoom = (
  db: Db,
  input: {
    name: string
    isPrivate: boolean
    topic: string
    ownerId: number | null
    /** An end-to-end encrypted room: its MLS cipher suite and group id (epoch 0). */
    e2e?: { suite: number; group: Buffer }
  },
): Room => {
  checkRoomName(input.name)
  // Before the existence check: whether a direct conversation exists is nobody else's business.
  if (isReservedRoomName(input.name)) throw directErrors.nameReserved(input.name)
  return writeTransaction(db, (tx) => {
    if (tx.select({ id: rooms.id }).from(rooms).where(eq(rooms.name, input.name)).get()) {
      throw coreErrors.roomExists(input.name)
    }
    const room = tx
      .insert(rooms)
      .values({
        name: input.name,
        isPrivate: input.isPrivate,
        topic: input.topic,
        createdBy: input.ownerId,
        ...(input.e2e ? { e2eSuite: input.e2e.suite, e2eGroup: input.e2e.group, e2eEpoch: 0 } : {}),
      })
      .returning()
      .get()
    if (input.ownerId !== null) {
      tx.insert(roomMembers).values({ roomId: room.id, userId: input.ownerId, role: 'owner' }).run()
    }
    return room
  })
}

/** Delete a room with its history; running hubs learn it through the change feed. */
export const deleteRoom = (db: Db, name: string): void =>
  writeTransaction(db, (tx) => {
    const room = requireRoom(db, name)
    tx.delete(rooms).where(eq(rooms.id, room.id)).run()
    recordChange(tx, { kind: 'room.deleted', roomId: room.id })
  })

export interface RoomListing {
  name: string
  private: boolean
  kind: RoomKind
  topic: string
  members: number
  seq: number
  createdAt: string
  /** The room's own retention in days (0: forever); null: the hub's retention.days. */
  retentionDays: number | null
  /** Direct rooms: the participants' names (a removed account is no longer listed). */
  participants?: string[]
}

/**
 * Per-room figures as correlated subqueries. Written as plain SQL with explicit aliases: in a
 * single-table select drizzle renders columns unqualified, so `${rooms.id}` inside a subquery on
 * `messages` would silently mean `messages.id`.
 */
const roomMemberCount = sql<number>`(SELECT count(*) FROM room_members rm WHERE rm.room_id = "rooms"."id")`
const roomSeq = sql<number>`coalesce((SELECT max(m.seq) FROM messages m WHERE m.room_id = "rooms"."id"), 0)`
const roomMemberNames = sql<string | null>`(SELECT group_concat(name, ',') FROM (SELECT u.name AS name FROM room_members rm JOIN users u ON u.id = rm.user_id WHERE rm.room_id = "rooms"."id" ORDER BY u.name))`

export const listAllRooms = (db: Db): RoomListing[] =>
  db
    .select({
      name: rooms.name,
      private: rooms.isPrivate,
      kind: rooms.kind,
      topic: rooms.topic,
      createdAt: rooms.createdAt,
      retentionDays: rooms.retentionDays,
      members: roomMemberCount,
      seq: roomSeq,
      names: roomMemberNames,
    })
    .from(rooms)
    .orderBy(asc(rooms.name))
    .all()
    .map(({ names, ...r }) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      ...(r.kind === 'direct' ? { participants: names ? names.split(',') : [] } : {}),
    }))

export interface MemberRow {
  userId: number
  user: string
  role: Role
  joinedAt: Date
}

export const listMembers = (db: Db, roomId: number): MemberRow[] =>
  db
    .select({ userId: users.id, user: users.name, role: roomMembers.role, joinedAt: roomMembers.joinedAt })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(roomMembers.roomId, roomId))
    .orderBy(asc(users.name))
    .all()

export const memberCount = (db: Db, roomId: number): number =>
  db.select({ n: count() }).from(roomMembers).where(eq(roomMembers.roomId, roomId)).get()?.n ?? 0

export const memberRole = (db: Db, roomId: number, userId: number): Role | undefined =>
  db
    .select({ role: roomMembers.role })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .get()?.role

export const addMember = (db: Db, roomId: number, userId: number, role: Role = 'member'): void => {
  db.insert(roomMembers).values({ roomId, userId, role }).onConflictDoNothing().run()
  db.delete(roomInvites).where(and(eq(roomInvites.roomId, roomId), eq(roomInvites.userId, userId))).run()
}

export const removeMember = (db: Db, roomId: number, userId: number): void => {
  db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId))).run()
}

export const setRole = (db: Db, roomId: number, userId: number, role: Role): void => {
  db.update(roomMembers)
    .set({ role })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .run()
}

export const addInvite = (db: Db, roomId: number, userId: number, invitedBy: number): void => {
  db.insert(roomInvites).values({ roomId, userId, invitedBy }).onConflictDoNothing().run()
}

export const hasInvite = (db: Db, roomId: number, userId: number): boolean =>
  db
    .select({ r: roomInvites.roomId })
    .from(roomInvites)
    .where(and(eq(roomInvites.roomId, roomId), eq(roomInvites.userId, userId)))
    .get() !== undefined

export const addBan = (db: Db, roomId: number, userId: number, bannedBy: number, reason: string): void => {
  db.insert(roomBans).values({ roomId, userId, bannedBy, reason }).onConflictDoNothing().run()
}

export const removeBan = (db: Db, roomId: number, userId: number): void => {
  db.delete(roomBans).where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId))).run()
}

export const isBanned = (db: Db, roomId: number, userId: number): boolean =>
  db
    .select({ r: roomBans.roomId })
    .from(roomBans)
    .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId)))
    .get() !== undefined

/**
 * Rooms a user may see: every public room and the private rooms they belong to (direct ones
 * included, with `peer`: the other participant, null when that account was removed).
 */
export const visibleRooms = (db: Db, userId: number) =>
  db
    .select({
      id: rooms.id,
      name: rooms.name,
      private: rooms.isPrivate,
      kind: rooms.kind,
      topic: rooms.topic,
      role: roomMembers.role,
      peer: sql<string | null>`CASE WHEN "rooms"."kind" = 'direct' THEN (SELECT u.name FROM room_members p JOIN users u ON u.id = p.user_id WHERE p.room_id = "rooms"."id" AND p.user_id <> ${userId} LIMIT 1) END`,
    })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId)))
    .where(sql`${rooms.isPrivate} = 0 OR ${roomMembers.userId} IS NOT NULL`)
    .orderBy(asc(rooms.name))
    .all()

/**
 * A user's pending invitations: rooms (not direct ones) they were invited to, are not a member of
 * and are not banned from, by room name; `by` is null when the inviter's account was removed.
 */
export const pendingInvites = (db: Db, userId: number) =>
  db
    .select({
      name: rooms.name,
      private: rooms.isPrivate,
      topic: rooms.topic,
      by: users.name,
      at: roomInvites.createdAt,
    })
    .from(roomInvites)
    .innerJoin(rooms, eq(rooms.id, roomInvites.roomId))
    .leftJoin(users, eq(users.id, roomInvites.invitedBy))
    .where(
      and(
        eq(roomInvites.userId, userId),
        eq(rooms.kind, 'room'),
        sql`NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = "room_invites"."room_id" AND m.user_id = ${userId})`,
        sql`NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = "room_invites"."room_id" AND b.user_id = ${userId})`,
      ),
    )
    .orderBy(asc(rooms.name))
    .all()
