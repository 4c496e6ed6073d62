// The `mls` frame: an MLS message into an E2E room, ordered and stored by the hub as MLS's Delivery
// Service (RFC 9420 §16) without any key. Checked synchronously, then handed to the message pipeline
// like a `say` (gap-free seq, group commit, ack after the commit, fan-out, resume):
// - the message is a PublicMessage or PrivateMessage of the room's group (application messages only
//   as PrivateMessages: a PublicMessage would carry them in clear);
// - it is for the room's current epoch; a Commit moves the epoch on at once, so of two Commits for one
//   epoch the first accepted wins and the other gets CHATHUB_E2E_STALE_EPOCH (§14); a Commit that
//   fails to store gives the epoch back;
// - a Commit brings the new epoch's GroupInfo, and a Welcome for every device of the users it adds
//   (`to`: members or invitees); `removed` settles pending removals;
// - application messages wait while the room has pending removals (nobody encrypts for a removed member);
// - `deletes` lets the hub drop an application message's ciphertext (the sender's own, or as a moderator).
import { ownAttachments } from '#core/attachments/queries'
import type { SessionUser } from '#core/auth/session-store'
import type { Connection } from '#core/connections/connection'
import type { Role } from '#core/db/schema/rooms'
import { coreErrors } from '#core/errors'
import type { Reply, WriteAck } from '#core/messages/delivery'
import type { MessageStore } from '#core/messages/message-store'
import type { Pipeline } from '#core/messages/pipeline'
import { SUITE_NAMES } from '#core/protocol/e2e'
import type { AckResults, ClientFrameOf, MlsView } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'
import { findUser } from '#core/users/queries'
import { connectionsOfDevice, type E2eContext } from './context.ts'
import type { E2eGroup } from './group.ts'
import { mayBeInGroup, pendingOf } from './membership.ts'
import { base64Bytes, headerOf, type MlsHeader, sameBytes } from './mls-codec.ts'
import type { MlsWrite, WelcomeTarget } from './store-rows.ts'
import { e2eRoomErrors } from './errors.ts'

export interface MlsDeps {
  pipeline: Pipeline
  messages: MessageStore
  /** Counts a received message (the hub's metrics). */
  received(): void
}

/** How the sender hears back: the `mls` ack once stored, or why not. */
export interface MlsReply {
  ok(ack: AckResults['mls']): void
  fail(err: Error): void
  socket?: Reply['socket']
}

type MlsFrame = ClientFrameOf<'mls'>
type BoundDevice = NonNullable<Connection['device']>

export const sendMls = (
  ctx: E2eContext,
  deps: MlsDeps,
  conn: Connection,
  user: SessionUser,
  frame: MlsFrame,
  reply: MlsReply,
  receivedAt: number,
): void | Promise<void> => {
  // Only before ts-mls is loaded (the hub loads it once it listens): every check below, and the
  // epoch's move, still happen in one synchronous step.
  if (!ctx.mls.loaded)
    return ctx.mls.load().then(() => sendMls(ctx, deps, conn, user, frame, reply, receivedAt))
  // The connection's device, as bound (removing a device unbinds its connections): no lookup per message.
  const device = conn.device
  if (!device) throw e2eRoomErrors.e2eDeviceRequired('send MLS messages')
  const { room, role } = ctx.rooms.membership(user, frame.room)
  const group = room.e2e
  if (!group) throw e2eRoomErrors.e2eNotE2eRoom(room.name)
  let checked: Checked
  try {
    checked = checkMls(ctx, deps, { user, device, role }, room, group, frame)
  } catch (err) {
    // A retry of a stored message (same txn) gets its ack again, whatever the epoch is now: looked
    // up only when a check refuses it (a stored Commit's retry always is: its epoch is past); one
    // that passes them is recognised by the store's unique index, as a retried `say` is.
    const stored = ctx.q.txnStmt.get(room.id, user.userId, frame.txn)
    if (!stored) throw err
    const epoch = (stored.epoch ?? 0) + (stored.kind === 'commit' ? 1 : 0)
    return reply.ok({ room: room.name, seq: stored.seq, epoch, duplicate: true })
  }
  const { write, files } = checked
  // Accepted: a Commit takes its epoch now (see the module header).
  const before = group.epoch
  if (write.view.kind === 'commit') group.epoch = before + 1
  deps.received()
  deps.pipeline.submit(
    {
      kind: 'message',
      room,
      senderId: user.userId,
      sender: user.name,
      alias: undefined,
      bot: user.kind !== 'person',
      txn: frame.txn,
      text: '',
      replyTo: undefined,
      mls: write,
      ...(files ? { attachments: files } : {}),
      ts: Date.now(),
    },
    replyOf(ctx, room, group, write, before, reply),
    receivedAt,
  )
}

interface Checked {
  write: MlsWrite
  files: ReturnType<typeof ownAttachments> | undefined
}

/** Every check of an `mls` frame, in one synchronous step: what to store, or why not. */
const checkMls = (
  ctx: E2eContext,
  deps: MlsDeps,
  sender: { user: SessionUser; device: BoundDevice; role: Role },
  room: RoomState,
  group: E2eGroup,
  frame: MlsFrame,
): Checked => {
  const { user, device, role } = sender
  const data = base64Bytes(frame.data)
  if (!data) throw e2eRoomErrors.e2eMessageInvalid('data is not canonical base64')
  const header = readHeader(ctx, data, group)
  const commit = header.kind === 'commit'
  if (!commit && (frame.groupInfo ?? frame.welcome ?? frame.to ?? frame.removed) !== undefined) {
    throw e2eRoomErrors.e2eMessageInvalid('groupInfo, welcome, to and removed go with a Commit only')
  }
  if (frame.deletes !== undefined && header.kind !== 'application') {
    throw e2eRoomErrors.e2eMessageInvalid('deletes goes with an application message only')
  }
  if (frame.attachments && header.kind !== 'application') {
    throw e2eRoomErrors.e2eMessageInvalid('attachments go with an application message only')
  }
  // The sender's own uploads to this room (opaque bytes: their keys travel inside the message).
  const files = frame.attachments && ownAttachments(ctx.db, frame.attachments, user.userId, room)
  if (header.epoch !== group.epoch)
    throw e2eRoomErrors.e2eStaleEpoch(room.name, header.epoch, group.epoch)
  if (header.kind === 'application') {
    const pending = pendingOf(ctx, room, group)
    if (pending.size > 0) throw e2eRoomErrors.e2eRemovalPending(room.name, [...pending])
  }
  const view: MlsView = { data: frame.data, device: device.device, epoch: header.epoch, kind: header.kind }
  const write: MlsWrite = { data, view, deviceId: device.id }
  if (commit) {
    write.groupInfo = checkGroupInfo(ctx, frame.groupInfo, group, header.epoch + 1)
    if (frame.to) view.added = [...new Set(frame.to)]
    if (frame.removed) view.removed = [...new Set(frame.removed)]
    const welcome = checkWelcome(ctx, room, group, frame)
    if (welcome) write.welcome = welcome
  }
  if (frame.deletes !== undefined)
    write.deletes = checkDelete(deps, room, user, role, frame.deletes)
  return { write, files }
}

/** An encrypted delete may drop an application message's ciphertext: the sender's own, or any as a moderator. */
const checkDelete = (
  deps: MlsDeps,
  room: RoomState,
  user: SessionUser,
  role: Role,
  seq: number,
): number => {
  const target = deps.messages.one(room, seq)
  if (!target || target.deletedAt !== undefined) throw coreErrors.messageNotFound(room.name, seq)
  if (target.mls?.kind !== 'application')
    throw e2eRoomErrors.e2eMessageInvalid(`message ${seq} is not an application message`)
  if (target.senderId !== user.userId && role === 'member')
    throw coreErrors.forbidden('delete messages of others')
  return seq
}

/** The message's header, if it is a handshake or application message of this room's group. */
const readHeader = (ctx: E2eContext, data: Uint8Array, group: E2eGroup): MlsHeader => {
  const message = ctx.mls.decode(data)
  if (!message) throw e2eRoomErrors.e2eMessageInvalid('data is not an MLS message')
  const header = headerOf(message)
  if (!header)
    throw e2eRoomErrors.e2eMessageInvalid(
      `data is a ${message.wireformat}; send a PublicMessage or PrivateMessage`,
    )
  if (!sameBytes(header.group, group.group))
    throw e2eRoomErrors.e2eMessageInvalid("it is for another group than the room's")
  if (header.kind === 'application' && header.wire === 'public') {
    throw e2eRoomErrors.e2eMessageInvalid('an application message must be a PrivateMessage')
  }
  if (header.epoch < 0) throw e2eRoomErrors.e2eMessageInvalid('its epoch is out of range')
  return header
}

/** A Commit's GroupInfo: one of the room's group, for the epoch the Commit starts. */
const checkGroupInfo = (
  ctx: E2eContext,
  b64: string | undefined,
  group: E2eGroup,
  epoch: number,
): Buffer => {
  if (b64 === undefined) throw e2eRoomErrors.e2eGroupInfoInvalid('the Commit has none')
  const bytes = base64Bytes(b64)
  const message = bytes && ctx.mls.decode(bytes)
  if (!bytes || message?.wireformat !== 'mls_group_info')
    throw e2eRoomErrors.e2eGroupInfoInvalid('it is not an MLS GroupInfo in base64')
  const context = message.groupInfo.groupContext
  if (!sameBytes(context.groupId, group.group))
    throw e2eRoomErrors.e2eGroupInfoInvalid("it is for another group than the room's")
  if (context.epoch !== BigInt(epoch))
    throw e2eRoomErrors.e2eGroupInfoInvalid(`it is for epoch ${context.epoch}, not ${epoch}`)
  return bytes
}

/** A Commit's Welcome and the devices it is stored for: every device of each user in `to`. */
const checkWelcome = (
  ctx: E2eContext,
  room: RoomState,
  group: E2eGroup,
  frame: MlsFrame,
): MlsWrite['welcome'] => {
  if (frame.welcome === undefined && frame.to === undefined) return undefined
  if (frame.welcome === undefined)
    throw e2eRoomErrors.e2eWelcomeInvalid('`to` names users, but there is no Welcome')
  if (frame.to === undefined)
    throw e2eRoomErrors.e2eWelcomeInvalid('a Welcome needs `to`, the users it adds')
  const bytes = base64Bytes(frame.welcome)
  const message = bytes && ctx.mls.decode(bytes)
  if (!bytes || message?.wireformat !== 'mls_welcome')
    throw e2eRoomErrors.e2eWelcomeInvalid('it is not an MLS Welcome in base64')
  if (message.welcome.cipherSuite !== SUITE_NAMES[group.suite])
    throw e2eRoomErrors.e2eWelcomeInvalid("its cipher suite is not the room's")
  const to: WelcomeTarget[] = []
  for (const name of new Set(frame.to)) {
    const user = findUser(ctx.db, name)
    if (!user || !mayBeInGroup(ctx, room, user.id))
      throw e2eRoomErrors.e2eWelcomeInvalid(
        `"${name}" is neither a member of "${room.name}" nor invited`,
      )
    for (const d of ctx.q.devicesStmt.all(user.id))
      to.push({ userId: user.id, deviceId: d.id, device: d.device })
  }
  return { data: bytes, to }
}

/**
 * The reply the pipeline answers: once stored, the epoch a Commit started shows in views, settled
 * removals are forgotten and the added devices get their `welcome`; if it failed, the epoch goes back.
 */
const replyOf = (
  ctx: E2eContext,
  room: RoomState,
  group: E2eGroup,
  write: MlsWrite,
  before: number,
  reply: MlsReply,
): Reply => {
  const commit = write.view.kind === 'commit'
  return {
    socket: reply.socket,
    ok: (a: WriteAck) => {
      const epoch = commit ? before + 1 : write.view.epoch
      if (commit && !a.duplicate) {
        group.stored = Math.max(group.stored, epoch)
        if (write.view.removed && group.pending)
          for (const name of write.view.removed) group.pending.delete(name)
      }
      reply.ok({ room: a.room, seq: a.seq, epoch, duplicate: a.duplicate })
      if (!write.welcome || a.duplicate) return
      const data = write.welcome.data.toString('base64')
      for (const t of write.welcome.to) {
        for (const c of connectionsOfDevice(ctx, t.userId, t.deviceId))
          c.send({ type: 'welcome', room: room.name, seq: a.seq, data })
      }
    },
    fail: (err: Error) => {
      if (commit) group.epoch = Math.min(group.epoch, before)
      reply.fail(err)
    },
  }
}
