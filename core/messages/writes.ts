// The writes a member makes to a room — join, say, edit, delete — checked once for everybody: a
// client's frame reaches these after the gateway (auth, limits, schema), and bots and bridges call
// the same functions in-process through ctx.hub (core/plugins/hub-api.ts), with their own rate limit.
// In end-to-end encrypted rooms they are refused (CHATHUB_E2E_ROOM_ENCRYPTED): only MLS messages go
// there (core/e2e/mls-send.ts).
import { ownAttachments } from '#core/attachments/queries'
import type { SessionUser } from '#core/auth/session-store'
import { coreErrors } from '#core/errors'
import type { Role } from '#core/db/schema/rooms'
import { refuseEncrypted } from '#core/e2e/group'
import type { Hub } from '#core/hub'
import type { Caller } from '#core/plugins/contract'
import type { AttachmentView } from '#core/protocol/messages'
import { normalizeEmoji } from '#core/reactions/reactions'
import type { RoomState } from '#core/rooms/room-state'
import type { Reply } from './delivery.ts'
import { resolveMentions } from './mentions.ts'

export interface SayInput {
  room: string
  text: string
  /** The writer's id for this message: a retry with the same txn is stored once. */
  txn: string
  replyTo?: number
  /** Bridge accounts only: the remote sender, `name@network`. */
  as?: string
  /** Attachment ids uploaded by the writer to this room. */
  attachments?: string[]
}

/** A say's reply may also show the writer a notice (what a chat command answered). */
export interface SayReply extends Reply {
  notice?(room: string, text: string): void
}

/**
 * Make the user a member of the room (public, or private with an invite), running the plugins'
 * join hooks for a newcomer. Synchronous when there is no hook to run.
 */
export const joinRoom = (hub: Hub, user: SessionUser, name: string): RoomState | Promise<RoomState> => {
  const { rooms, plugins } = hub
  const existing = rooms.find(name)
  const isMember = existing !== undefined && rooms.roleOf(existing, user.userId) !== undefined
  if (isMember || !plugins.hasJoinHooks) return rooms.join(user, name)
  rooms.visible(user, name)
  return plugins.onJoin({ room: name, user: user.name, userId: user.userId }).then(() => rooms.join(user, name))
}

/** Send a message (or run a `/command`); the reply hears once it is stored, or why not. */
export const say = (hub: Hub, user: SessionUser, input: SayInput, reply: SayReply, receivedAt: number): void | Promise<void> => {
  const { rooms, config, plugins } = hub
  const { room, role } = rooms.membership(user, input.room)
  refuseEncrypted(room)
  if (input.as !== undefined && user.kind !== 'bridge') throw coreErrors.forbidden('send as a remote sender (bridge accounts only)')
  if (input.text.length > config.limits.maxMessageLength) throw coreErrors.messageTooLong(config.limits.maxMessageLength)
  if (input.replyTo !== undefined && input.replyTo > room.seq) throw coreErrors.messageNotFound(room.name, input.replyTo)
  if (input.text.startsWith('/') && !input.text.startsWith('//')) {
    return command(hub, commandCaller(user, room.name, role), input.text, reply)
  }
  const text = input.text.startsWith('//') ? input.text.slice(1) : input.text
  const files = input.attachments && ownAttachments(hub.db, input.attachments, user.userId, room)
  if (plugins.hasMessageHooks) {
    return plugins
      .onMessage({ room: room.name, user: user.name, userId: user.userId, text })
      .then((rewritten) => append(hub, user, input, rewritten, reply, receivedAt, files))
  }
  append(hub, user, input, text, reply, receivedAt, files)
}

const append = (
  hub: Hub,
  user: SessionUser,
  input: SayInput,
  text: string,
  reply: Reply,
  receivedAt: number,
  attachments: AttachmentView[] | undefined,
): void => {
  // Still a member after the hooks ran (they may have awaited).
  const room = hub.rooms.find(input.room)
  if (!room || !room.members?.has(user.userId)) throw coreErrors.notMember(input.room)
  // A reply joins the thread of the message it answers (a reply to a reply: the same thread).
  const threadRoot = input.replyTo === undefined ? undefined : hub.messages.threadOf(room, input.replyTo)
  if (input.replyTo !== undefined && threadRoot === undefined) throw coreErrors.messageNotFound(room.name, input.replyTo)
  // `@name` of members, `@room` from moderators and owners: their rows commit with the message.
  const mentions = resolveMentions(hub.db, room, user.userId, room.members.get(user.userId), text)
  hub.metrics.received.inc()
  hub.pipeline.submit(
    {
      kind: 'message',
      room,
      senderId: user.userId,
      sender: user.name,
      alias: input.as,
      bot: user.kind !== 'person',
      txn: input.txn,
      text,
      replyTo: input.replyTo,
      ...(threadRoot === undefined ? {} : { threadRoot }),
      ...(attachments ? { attachments } : {}),
      ...(mentions ? { mentions } : {}),
      ts: Date.now(),
    },
    reply,
    receivedAt,
  )
}

/** Who runs a chat command (or asks which they may run) in a room they are a member of. */
export const commandCaller = (user: SessionUser, room: string, role: Role): Caller => ({
  user: user.name,
  userId: user.userId,
  room,
  admin: user.admin,
  role,
})

const command = async (hub: Hub, caller: Caller, text: string, reply: SayReply): Promise<void> => {
  const found = hub.plugins.findCommand(text)
  if (!found) throw coreErrors.commandUnknown(text.slice(1).split(/\s+/)[0] ?? '')
  const answer = await found.run(caller)
  if (typeof answer === 'string' && answer !== '') reply.notice?.(caller.room, answer)
  reply.ok({ room: caller.room, seq: 0, duplicate: false })
}

/**
 * Add or take back one's emoji reaction to a message of a room one is a member of (any message that
 * is not deleted, one's own too). The emoji is checked and normalised here; limits in the commit.
 */
export const react = (
  hub: Hub,
  user: SessionUser,
  input: { room: string; seq: number; emoji: string; remove?: boolean },
  reply: Reply,
  receivedAt: number,
): void => {
  const { room } = hub.rooms.membership(user, input.room)
  refuseEncrypted(room)
  const emoji = normalizeEmoji(input.emoji)
  if (input.seq > room.seq) throw coreErrors.messageNotFound(input.room, input.seq)
  hub.pipeline.submit(
    { kind: 'reaction', room, seq: input.seq, userId: user.userId, user: user.name, emoji, add: input.remove !== true, at: Date.now() },
    reply,
    receivedAt,
  )
}

/** Change the text of one's own message. */
export const edit = (
  hub: Hub,
  user: SessionUser,
  input: { room: string; seq: number; text: string },
  reply: Reply,
  receivedAt: number,
): void => {
  const { room, role } = hub.rooms.membership(user, input.room)
  refuseEncrypted(room)
  const msg = hub.messages.one(room, input.seq)
  if (!msg || msg.deletedAt !== undefined) throw coreErrors.messageNotFound(input.room, input.seq)
  if (msg.senderId !== user.userId) throw coreErrors.forbidden('edit messages of others')
  const max = hub.config.limits.maxMessageLength
  if (input.text.length > max) throw coreErrors.messageTooLong(max)
  // The new text's mentions replace the old ones (new ones are told, as for a new message).
  const mentions = resolveMentions(hub.db, room, user.userId, role, input.text)
  hub.pipeline.submit(
    { kind: 'edit', room, seq: input.seq, text: input.text, at: Date.now(), from: msg.from, ...(mentions ? { mentions } : {}) },
    reply,
    receivedAt,
  )
}

/** Delete one's own message, or anyone's as a moderator or owner. */
export const remove = (
  hub: Hub,
  user: SessionUser,
  input: { room: string; seq: number },
  reply: Reply,
  receivedAt: number,
): void => {
  const { room, role } = hub.rooms.membership(user, input.room)
  refuseEncrypted(room)
  const msg = hub.messages.one(room, input.seq)
  if (!msg || msg.deletedAt !== undefined) throw coreErrors.messageNotFound(input.room, input.seq)
  if (msg.senderId !== user.userId && role === 'member') throw coreErrors.forbidden('delete messages of others')
  hub.pipeline.submit(
    { kind: 'delete', room, seq: input.seq, byId: user.userId, by: user.name, at: Date.now() },
    reply,
    receivedAt,
  )
}
