// Dispatch of validated, authenticated client frames to rooms, the message log and plugins.
// Events in a direct room first make both participants' open connections follow it (reachDirect).
// End-to-end encrypted rooms' frames (devices, KeyPackages, MLS messages) go to hub.e2e (core/e2e).
import type { SessionUser } from '#core/auth/session-store'
import { newDirectGroup } from '#core/e2e/direct'
import { groupView } from '#core/e2e/group'
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
      const e2e = frame.e2e ? hub.e2e.newGroup(conn) : undefined
      const room = rooms.create(user, frame.room, frame.private ?? false, frame.topic ?? '', config.rooms.usersCanCreate, e2e)
      hub.log.info({ room: room.name, user: user.name, e2e: room.e2e !== undefined }, 'room created')
      return ack<'create'>(conn, frame.ref, { room: room.name, ...(room.e2e ? { e2e: groupView(room.e2e) } : {}) })
    }
    case 'join':
      return join(hub, conn, user, frame)
    case 'leave':
      hub.e2e.whileRemoving(frame.room, user.name, () => rooms.leave(user, frame.room, hub.connectionsOf(user.userId)))
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
      hub.e2e.whileRemoving(frame.room, frame.user, () =>
        rooms.kick(user, frame.room, frame.user, { ban: frame.type === 'ban', reason: frame.reason ?? '' }, (id) =>
          hub.connectionsOf(id),
        ),
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
      // A new one may have to be end-to-end encrypted (core/e2e/direct.ts); one with a bot or a
      // bridge never has to be: they run on the hub, which would read it anyway (the weakest link).
      const fresh = (peerKind: string) =>
        newDirectGroup(conn, frame, config.e2e.directMessages && user.kind === 'person' && peerKind === 'person')
      const { room, peer, created } = rooms.openDirect(user, frame.user, fresh)
      if (created) hub.log.info({ room: room.name, user: user.name, e2e: room.e2e !== undefined }, 'direct room opened')
      rooms.subscribe(conn, room)
      rooms.reachDirect(room, (id) => hub.connectionsOf(id))
      const e2e = room.e2e ? { e2e: groupView(room.e2e) } : {}
      return ack<'dm'>(conn, frame.ref, { room: room.name, user: peer, seq: room.seq, created, ...e2e })
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
    case 'device':
      return hub.e2e.device(conn, user, frame).then((result) => {
        ack<'device'>(conn, frame.ref, result)
        hub.e2e.bound(conn)
      })
    case 'vouch':
      return hub.e2e.vouch(conn, user, frame).then((result) => ack<'vouch'>(conn, frame.ref, result))
    case 'devices':
      return ack<'devices'>(conn, frame.ref, hub.e2e.devices(frame.user))
    case 'device.rename':
      return ack<'device.rename'>(conn, frame.ref, hub.e2e.renameDevice(conn, user, frame.device, frame.name))
    case 'device.remove':
      return ack<'device.remove'>(conn, frame.ref, hub.e2e.removeDevice(conn, user, frame.device))
    case 'keypackages':
      return hub.e2e.keyPackages(conn, user, frame).then((result) => ack<'keypackages'>(conn, frame.ref, result))
    case 'claim':
      return ack<'claim'>(conn, frame.ref, hub.e2e.claim(conn, user, frame))
    case 'mls':
      return hub.e2e.send(
        conn,
        user,
        frame,
        { socket: conn.ws, ok: (a) => ack<'mls'>(conn, frame.ref, a), fail: (err) => sendError(hub, conn, err, frame.ref) },
        receivedAt,
      )
    case 'groupinfo':
      return ack<'groupinfo'>(conn, frame.ref, hub.e2e.groupInfo(user, frame.room))
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
  const e2e = hub.e2e.joinView(conn, room)
  const online = hub.rooms.onlineSummary(room)
  ack<'join'>(conn, frame.ref, { room: room.name, seq, rev, replayed: page.events.length, more, ...online, ...(e2e ? { e2e } : {}) })
  // An E2E room: the removals its group still needs, for this device to commit.
  if (e2e) hub.e2e.joined(conn, room)
}
