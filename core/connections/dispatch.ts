// Dispatch of validated, authenticated client frames to rooms, the message log and plugins.
// Events in a direct room first make both participants' open connections follow it (reachDirect).
import { ownAttachments } from '#core/attachments/queries'
import type { SessionUser } from '#core/auth/session-store'
import { chatErrorOf, coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import type { PendingMessage } from '#core/messages/message-log'
import type { AckFrame, AckResults, AttachmentView, ClientFrame, ClientFrameType, EventFrame } from '#core/protocol/messages'
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
      return say(hub, conn, user, frame, receivedAt)
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
    case 'edit': {
      const { room } = rooms.membership(user, frame.room)
      const msg = messages.one(room, frame.seq)
      if (!msg || msg.deletedAt !== undefined) throw coreErrors.messageNotFound(frame.room, frame.seq)
      if (msg.senderId !== user.userId) throw coreErrors.forbidden('edit messages of others')
      if (frame.text.length > config.limits.maxMessageLength) {
        throw coreErrors.messageTooLong(config.limits.maxMessageLength)
      }
      const at = Date.now()
      const rev = messages.edit(room, frame.seq, frame.text, at)
      ack<'edit'>(conn, frame.ref, { room: room.name, seq: frame.seq })
      rooms.reachDirect(room, (id) => hub.connectionsOf(id))
      rooms.broadcast(room, { type: 'edited', room: room.name, seq: frame.seq, text: frame.text, editedAt: at, rev })
      return
    }
    case 'delete': {
      const { room, role } = rooms.membership(user, frame.room)
      const msg = messages.one(room, frame.seq)
      if (!msg || msg.deletedAt !== undefined) throw coreErrors.messageNotFound(frame.room, frame.seq)
      if (msg.senderId !== user.userId && role === 'member') throw coreErrors.forbidden('delete messages of others')
      const at = Date.now()
      const rev = messages.remove(room, frame.seq, user.userId, at)
      ack<'delete'>(conn, frame.ref, { room: room.name, seq: frame.seq })
      rooms.reachDirect(room, (id) => hub.connectionsOf(id))
      rooms.broadcast(room, { type: 'deleted', room: room.name, seq: frame.seq, by: user.name, deletedAt: at, rev })
      return
    }
    case 'history': {
      const room = rooms.visible(user, frame.room)
      if (room.isPrivate) rooms.membership(user, frame.room)
      const limit = Math.min(frame.limit ?? 50, config.limits.historyPageMax)
      const page = messages.page(room, frame.before, limit)
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
      return ack<'rooms'>(conn, frame.ref, { rooms: rooms.list(user) })
    case 'members':
      return ack<'members'>(conn, frame.ref, { room: frame.room, members: rooms.members(user, frame.room) })
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
    default:
      return assertNever(frame)
  }
}

const assertNever = (frame: never): never => {
  throw coreErrors.frameUnknown(String((frame as { type?: unknown }).type))
}

const join = async (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: Extract<ClientFrame, { type: 'join' }>,
): Promise<void> => {
  const { rooms, messages } = hub
  const existing = rooms.find(frame.room)
  const isMember = existing !== undefined && rooms.roleOf(existing, user.userId) !== undefined
  if (!isMember && hub.plugins.hasJoinHooks) {
    rooms.visible(user, frame.room)
    await hub.plugins.onJoin({ room: frame.room, user: user.name, userId: user.userId })
  }
  // Membership check, replay and subscription happen in one synchronous step: a message committed
  // before the replay read is in the replay, one committed after it reaches this connection live.
  // Replay: first the edits and deletes after `rev` of messages the client has, then the messages
  // after `since` as they are now. A page cut short says `more`, with the seq and rev to ask from.
  const room = rooms.join(user, frame.room)
  const max = hub.config.limits.replayMax
  let replayed = 0
  let more = false
  let seq = room.seq
  let rev = messages.rev(room)
  if (frame.rev !== undefined && frame.rev < rev) {
    // Changes to the messages the client has; later ones are replayed whole below.
    const upTo = Math.min(frame.since ?? room.seq, room.seq)
    const changes = messages.changesAfter(room, frame.rev, upTo, max + 1)
    if (changes.length > max) {
      more = true
      changes.length = max
      rev = changes[max - 1]?.rev ?? rev
      seq = upTo
    }
    // A client that stops reading is closed (4009) mid-replay: the rest is not even serialised.
    for (const change of changes) if (!conn.send(change)) return
    replayed = changes.length
  }
  if (!more && frame.since !== undefined && frame.since < room.seq) {
    const missed = messages.after(room, frame.since, max + 1)
    more = missed.length > max
    const batch = missed.slice(0, max)
    for (const m of batch) if (!conn.send({ type: 'message', ...m })) return
    replayed += batch.length
    if (more) seq = batch[batch.length - 1]?.seq ?? seq
  }
  if (!more) rooms.subscribe(conn, room)
  ack<'join'>(conn, frame.ref, { room: room.name, seq, rev, replayed, more, ...rooms.onlineSummary(room) })
}

const say = (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: Extract<ClientFrame, { type: 'say' }>,
  receivedAt: number,
): void | Promise<void> => {
  const { rooms, config, plugins } = hub
  const { room } = rooms.membership(user, frame.room)
  if (frame.as !== undefined && user.kind !== 'bridge') throw coreErrors.forbidden('send as a remote sender (bridge accounts only)')
  if (frame.text.length > config.limits.maxMessageLength) throw coreErrors.messageTooLong(config.limits.maxMessageLength)
  if (frame.replyTo !== undefined && frame.replyTo > room.seq) {
    throw coreErrors.messageNotFound(room.name, frame.replyTo)
  }
  if (frame.text.startsWith('/') && !frame.text.startsWith('//')) return command(hub, conn, user, frame)
  const text = frame.text.startsWith('//') ? frame.text.slice(1) : frame.text
  const files = frame.attachments && ownAttachments(hub.db, frame.attachments, user.userId, room)
  if (plugins.hasMessageHooks) {
    return plugins
      .onMessage({ room: room.name, user: user.name, userId: user.userId, text })
      .then((rewritten) => append(hub, conn, user, frame, rewritten, receivedAt, files))
  }
  append(hub, conn, user, frame, text, receivedAt, files)
}

const append = (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: Extract<ClientFrame, { type: 'say' }>,
  text: string,
  receivedAt: number,
  attachments?: AttachmentView[],
): void => {
  const room = hub.rooms.find(frame.room)
  if (!room || !room.members?.has(user.userId)) throw coreErrors.notMember(frame.room)
  hub.metrics.received.inc()
  hub.messages.append({
    room,
    senderId: user.userId,
    sender: user.name,
    alias: frame.as,
    bot: user.kind !== 'person',
    txn: frame.txn,
    text,
    replyTo: frame.replyTo,
    ...(attachments ? { attachments } : {}),
    ts: Date.now(),
    receivedAt,
    origin: conn,
    done: (err, m) => committed(hub, conn, frame.ref, err, m),
  })
}

/** After the commit: ack the sender, then fan out the message serialised once. */
const committed = (hub: Hub, conn: Connection, ref: string, err: Error | undefined, m: PendingMessage): void => {
  if (err) {
    hub.log.error({ err, room: m.room.name }, 'message commit failed')
    return sendError(hub, conn, chatErrorOf(err) ?? coreErrors.internal(), ref)
  }
  ack<'say'>(conn, ref, { room: m.room.name, seq: m.seq, duplicate: m.duplicate })
  if (m.duplicate) return
  const event: EventFrame & { type: 'message' } = {
    type: 'message',
    room: m.room.name,
    seq: m.seq,
    from: m.alias ?? m.sender,
    text: m.text,
    ts: m.ts,
    txn: m.txn,
  }
  if (m.alias !== undefined) event.via = m.sender
  if (m.replyTo !== undefined) event.replyTo = m.replyTo
  if (m.bot) event.bot = true
  if (m.attachments) event.attachments = m.attachments
  hub.rooms.reachDirect(m.room, (id) => hub.connectionsOf(id))
  hub.rooms.broadcast(m.room, event)
  hub.metrics.fanoutLatency.observe((performance.now() - m.receivedAt) / 1000)
}

const command = async (
  hub: Hub,
  conn: Connection,
  user: SessionUser,
  frame: Extract<ClientFrame, { type: 'say' }>,
): Promise<void> => {
  const found = hub.plugins.findCommand(frame.text)
  if (!found) throw coreErrors.commandUnknown(frame.text.slice(1).split(/\s+/)[0] ?? '')
  const reply = await found.run({ user: user.name, userId: user.userId, room: frame.room, admin: user.admin })
  if (typeof reply === 'string' && reply !== '') conn.send({ type: 'notice', room: frame.room, text: reply, ref: frame.ref })
  ack<'say'>(conn, frame.ref, { room: frame.room, seq: 0, duplicate: false })
}
