// Dispatch of validated, authenticated client frames to rooms, the message log and plugins.
// Events in a direct room first make both participants' open connections follow it (reachDirect).
import type { SessionUser } from '#core/auth/session-store'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import { catchUp } from '#core/messages/catch-up'
import { commandCaller, edit, joinRoom, react, remove, say, type SayReply } from '#core/messages/writes'
import type { AckFrame, AckResults, ClientFrame, ClientFrameType } from '#core/protocol/messages'
import type { Connection } from './connection.ts'
import { sendError } from './errors.ts'

const ack = <T extends ClientFrameType>(conn: Connection, ref: string, result: AckResults[T]): void => {
  const frame = { type: 'ack', ref, ...result } as AckFrame<T>
  conn.send(frame)
}

/** Handle one frame; errors become `error` frames with the frame's ref (never a crash). */
export const dispatch = (hub: Hub, conn: Connection, frame: ClientFrame, receivedAt: number): void | Promise<void> => {
  const user = conn.user
  if (!user) return sendError(hub, conn, coreErrors.authRequired(), frame.ref)
  try {
    const out = handle(hub, conn, user, frame, receivedAt)
    if (out instanceof Promise) return out.catch((err: unknown) => sendError(hub, conn, err, frame.ref))
  } catch (err) {
    sendError(hub, conn, err, frame.ref)
  }
}

const handle = (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: ClientFrame,
  receivedAt: number,
): void | Promise<void> => {
  const { rooms, messages, config } = hub
  switch (frame.type) {
    case 'auth':
      throw coreErrors.alreadyAuthenticated()
    case 'say':
      return say(hub, user, frame, socketReply(hub, conn, frame.ref, 'say'), receivedAt)
    case 'create': {
      const room = rooms.create(user, frame.room, frame.private ?? false, frame.topic ?? '', config.rooms.usersCanCreate)
      hub.log.info({ room: room.name, user: user.name }, 'room created')
      return ack<'create'>(conn, frame.ref, { room: room.name })
    }
    case 'join':
      return join(hub, conn, user, frame)
    case 'leave':
      rooms.leave(user, frame.room, hub.connectionsOf(user.userId))
      return ack<'leave'>(conn, frame.ref, { room: frame.room })
    case 'edit':
      return edit(hub, user, frame, socketReply(hub, conn, frame.ref, 'edit'), receivedAt)
    case 'delete':
      return remove(hub, user, frame, socketReply(hub, conn, frame.ref, 'delete'), receivedAt)
    case 'react':
      return react(hub, user, frame, socketReply(hub, conn, frame.ref, 'react'), receivedAt)
    case 'thread': {
      // Any thread of a room one may read; its root must be a message there (not a reply).
      const room = rooms.readable(user, frame.room)
      const root = messages.one(room, frame.seq)
      if (!root || root.thread !== undefined) throw coreErrors.messageNotFound(room.name, frame.seq)
      const changed = messages.threads.set(user.userId, room.id, frame.seq, frame.follow)
      return ack<'thread'>(conn, frame.ref, { room: room.name, seq: frame.seq, following: frame.follow, changed })
    }
    case 'history': {
      const room = rooms.readable(user, frame.room)
      const limit = Math.min(frame.limit ?? 50, config.limits.historyPageMax)
      const page =
        frame.thread === undefined
          ? messages.page(room, frame.before, limit)
          : messages.threadPage(room, frame.thread, frame.before, limit)
      return ack<'history'>(conn, frame.ref, { room: room.name, ...page })
    }
    case 'typing': {
      const { room } = rooms.membership(user, frame.room)
      ack<'typing'>(conn, frame.ref, {})
      if (!rooms.typingDue(room, user.userId, Date.now())) return
      rooms.reachDirect(room, (id) => hub.connectionsOf(id))
      rooms.broadcast(room, { type: 'typing', room: room.name, user: user.name })
      return
    }
    case 'rooms':
      return ack<'rooms'>(conn, frame.ref, { rooms: hub.reads.list(user), invites: rooms.invites(user) })
    case 'members':
      return ack<'members'>(conn, frame.ref, { room: frame.room, members: hub.reads.members(user, frame.room) })
    case 'invite':
      rooms.invite(user, frame.room, frame.user, (id, event) => hub.notifyUser(id, event))
      return ack<'invite'>(conn, frame.ref, { room: frame.room, user: frame.user })
    case 'kick':
    case 'ban':
      rooms.kick(user, frame.room, frame.user, { ban: frame.type === 'ban', reason: frame.reason ?? '' }, (id) =>
        hub.connectionsOf(id),
      )
      hub.log.info({ room: frame.room, user: user.name, target: frame.user, action: frame.type }, 'member removed')
      return ack<'kick'>(conn, frame.ref, { room: frame.room, user: frame.user })
    case 'unban':
      rooms.unban(user, frame.room, frame.user)
      return ack<'unban'>(conn, frame.ref, { room: frame.room, user: frame.user })
    case 'role':
      rooms.setRole(user, frame.room, frame.user, frame.role)
      return ack<'role'>(conn, frame.ref, { room: frame.room, user: frame.user, role: frame.role })
    case 'dm': {
      // Both sides follow the conversation from now on, on every open connection (this one included).
      const { room, peer, created } = rooms.openDirect(user, frame.user)
      if (created) hub.log.info({ room: room.name, user: user.name }, 'direct room opened')
      rooms.subscribe(conn, room)
      rooms.reachDirect(room, (id) => hub.connectionsOf(id))
      return ack<'dm'>(conn, frame.ref, { room: room.name, user: peer, seq: room.seq, created })
    }
    case 'search': {
      const { type: _type, ref: _ref, ...request } = frame
      return ack<'search'>(conn, frame.ref, hub.search.run(user, request))
    }
    case 'topic': {
      const room = rooms.setTopic(user, frame.room, frame.topic)
      hub.log.info({ room: room.name, user: user.name }, 'topic changed')
      return ack<'topic'>(conn, frame.ref, { room: room.name, topic: room.topic })
    }
    case 'read':
      return ack<'read'>(conn, frame.ref, hub.reads.mark(user, frame.room, frame.seq, conn))
    case 'receipts': {
      const room = hub.reads.setReceipts(user, frame.room, frame.enabled)
      hub.log.info({ room: room.name, user: user.name, enabled: room.readReceipts }, 'read receipts changed')
      return ack<'receipts'>(conn, frame.ref, { room: room.name, enabled: room.readReceipts })
    }
    case 'commands': {
      const { room, role } = rooms.membership(user, frame.room)
      return hub.plugins
        .listCommands(commandCaller(user, room.name, role))
        .then((commands) => ack<'commands'>(conn, frame.ref, { room: room.name, commands }))
    }
    default:
      return assertNever(frame)
  }
}

const assertNever = (frame: never): never => {
  throw coreErrors.frameUnknown(String((frame as { type?: unknown }).type))
}

/**
 * Answers to a write as frames on the writer's socket: the ack with the frame's ref once it is
 * stored (a say's also says whether it was a retry), its error otherwise, and command notices.
 */
const socketReply = (hub: Hub, conn: Connection, ref: string, type: 'say' | 'edit' | 'delete' | 'react'): SayReply => ({
  socket: conn.ws,
  ok: (a) => {
    if (type === 'say') return ack<'say'>(conn, ref, { room: a.room, seq: a.seq, duplicate: a.duplicate })
    if (a.reaction) return ack<'react'>(conn, ref, { room: a.room, seq: a.seq, ...a.reaction })
    ack<'edit'>(conn, ref, { room: a.room, seq: a.seq })
  },
  fail: (err) => sendError(hub, conn, err, ref),
  notice: (room, text) => conn.send({ type: 'notice', room, text, ref }),
})

const join = async (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: Extract<ClientFrame, { type: 'join' }>,
): Promise<void> => {
  // Membership check, replay and subscription happen in one synchronous step after the join hooks:
  // a message committed before the replay read is in the replay, one committed after it reaches
  // this connection live. A page cut short says `more`, with the seq and rev to ask from.
  const room = await joinRoom(hub, user, frame.room)
  const page = catchUp(hub.messages, room, frame, hub.config.limits.replayMax)
  // A client that stops reading is closed (4009) mid-replay: the rest is not even serialised.
  for (const event of page.events) if (!conn.send(event)) return
  if (!page.more) hub.rooms.subscribe(conn, room)
  const { seq, rev, more } = page
  ack<'join'>(conn, frame.ref, { room: room.name, seq, rev, replayed: page.events.length, more, ...hub.rooms.onlineSummary(room) })
}
