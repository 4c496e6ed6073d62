// Delivery of what the store committed: the writer's answer (ack or error), the fan-out to the
// sockets that follow the room (serialised once, corked per batch), then the in-process event
// stream. Every kind of event takes this way: messages, edits, deletes and reactions after their commit
// (core/messages/pipeline.ts), membership and room changes after theirs (core/rooms/room-service.ts).
// Delivery knows nothing of SQL.
import type { WebSocket } from 'ws'
import type { Connection } from '#core/connections/connection'
import { corkWhile, sendFramed, textFrame } from '#core/connections/frame-writer'
import { coreErrors } from '#core/errors'
import type { Metrics } from '#core/metrics'
import type { EventFrame } from '#core/protocol/messages'
import type { RoomService } from '#core/rooms/room-service'
import { MAX_EMOJI_PER_MESSAGE, MAX_REACTIONS_PER_USER, reactionErrors } from '#core/reactions/reactions'
import type { RoomState } from '#core/rooms/room-state'
import type { HubEvent, HubEvents, MembershipEvent, RoomEvent } from './events.ts'
import type { MentionTarget } from './mentions.ts'
import type { LogWrite, MessageWrite, ReactionWrite } from './message-store.ts'

/** What a writer is told once its write committed: the room and seq (and, for a say, a retry). */
export interface WriteAck {
  room: string
  seq: number
  duplicate: boolean
  /** A reaction: the emoji as stored, and whether anything changed (false: it was already so). */
  reaction?: { emoji: string; changed: boolean }
}

/** How a writer hears back: a socket's ack or error frame, or an in-process writer's promise. */
export interface Reply {
  ok(ack: WriteAck): void
  fail(err: Error): void
  /** The writer's socket: a lone write is corked with it, so its ack and its copy leave in one write. */
  socket?: WebSocket
}

/** A write on its way through the pipeline. */
export interface Submitted {
  write: LogWrite
  reply: Reply
  /** performance.now() when it arrived, for the fan-out latency histogram. */
  receivedAt: number
}

export class Delivery {
  constructor(
    private readonly rooms: RoomService,
    private readonly events: HubEvents,
    private readonly metrics: Metrics,
    private readonly connectionsOf: (userId: number) => Iterable<Connection>,
  ) {}

  /** Answer and fan out one committed batch (or tell every writer why it was not stored). */
  deliver(batch: readonly Submitted[], failure: Error | undefined): void {
    const run = () => {
      for (const s of batch) this.one(s, failure)
    }
    const only = batch.length === 1 ? batch[0] : undefined
    try {
      // One write gives each follower one frame anyway; only its writer gets two (ack, event).
      if (only?.reply.socket) corkWhile([only.reply.socket], run)
      else this.rooms.corked(new Set(batch.map((s) => s.write.room)), run)
    } finally {
      // The stream after the sockets: its listeners' work (a bridge queues to disk) never holds
      // back the writes to the followers, which leave when the sockets uncork above. Published
      // even if a reply threw, so the stream never skips or reorders a committed event.
      if (this.pending.length > 0) this.publishPending()
    }
  }

  private publishPending(): void {
    const events = this.pending
    this.pending = []
    for (const event of events) this.events.publish(event)
  }

  /** Events of the batch being delivered, published once its frames are on their way. */
  private pending: HubEvent[] = []

  private one({ write: w, reply, receivedAt }: Submitted, failure: Error | undefined): void {
    const room = w.room
    // The writer's reply logs what is not a ChatError (and answers CHATHUB_INTERNAL).
    if (failure) return reply.fail(failure)
    if (w.kind === 'message') {
      reply.ok({ room: room.name, seq: w.seq, duplicate: w.duplicate })
      if (w.duplicate) return
      this.fanout(room, messageEvent(w), w.seq)
      // An encrypted delete (E2E rooms): the message it names lost its ciphertext, as a delete does.
      if (w.mls?.deleted) {
        const { at, rev } = w.mls.deleted
        this.fanout(room, { type: 'deleted', room: room.name, seq: w.mls.deletes ?? 0, by: w.sender, deletedAt: at, rev }, w.seq)
      }
      if (w.mentions) this.mention(room, w.seq, w.alias ?? w.sender, w.mentions.users, w.seq)
      if (w.threadFollowers?.length) this.threadReply(room, w, w.threadFollowers)
      this.metrics.fanoutLatency.observe((performance.now() - receivedAt) / 1000)
      return
    }
    if (w.kind === 'reaction') return this.reaction(w, reply)
    // Deleted between the writer's check and the commit: nothing changed.
    if (!w.applied) return reply.fail(coreErrors.messageNotFound(room.name, w.seq))
    reply.ok({ room: room.name, seq: w.seq, duplicate: false })
    this.fanout(
      room,
      w.kind === 'edit'
        ? { type: 'edited', room: room.name, seq: w.seq, text: w.text, editedAt: w.at, rev: w.rev, ...(w.mentions ? { mentions: w.mentions.names } : {}) }
        : { type: 'deleted', room: room.name, seq: w.seq, by: w.by, deletedAt: w.at, rev: w.rev },
      room.seq,
    )
    // Those the new text mentions and the old one did not are told as for a new message.
    if (w.kind === 'edit' && w.mentioned?.length) this.mention(room, w.seq, w.from ?? '', w.mentioned, room.seq)
  }

  /**
   * A `mention` to every connection of each mentioned user, whether it follows the room or not (a
   * badge, a notification), then one `mention` per user on the event stream.
   */
  private mention(room: RoomState, seq: number, from: string, users: readonly MentionTarget[], roomSeq: number): void {
    this.toUsers(
      users.map((u) => u.userId),
      { type: 'mention', room: room.name, seq, from },
    )
    if (!this.events.subscribed) return
    for (const { name } of users) this.pending.push({ type: 'mention', room: room.name, roomSeq, seq, from, user: name })
  }

  /** A `thread` event to every connection of each follower of a reply's thread (a notification). */
  private threadReply(room: RoomState, w: MessageWrite, followers: readonly number[]): void {
    this.toUsers(followers, { type: 'thread', room: room.name, root: w.threadRoot ?? 0, seq: w.seq, from: w.alias ?? w.sender })
  }

  /** One event to every open connection of each user (framed once), skipping those over their buffer bound. */
  private toUsers(userIds: readonly number[], event: EventFrame): void {
    const frame = textFrame(JSON.stringify(event))
    for (const userId of userIds) {
      for (const conn of this.connectionsOf(userId)) if (conn.ws.readyState === 1 && !conn.overBound()) sendFramed(conn.ws, frame)
    }
  }

  private reaction(w: ReactionWrite, reply: Reply): void {
    const room = w.room
    if (w.refused === 'not_found') return reply.fail(coreErrors.messageNotFound(room.name, w.seq))
    if (w.refused === 'per_user') return reply.fail(reactionErrors.limit(`You have ${MAX_REACTIONS_PER_USER} reactions on this message`))
    if (w.refused === 'per_message') return reply.fail(reactionErrors.limit(`This message has ${MAX_EMOJI_PER_MESSAGE} different emoji`))
    reply.ok({ room: room.name, seq: w.seq, duplicate: false, reaction: { emoji: w.emoji, changed: w.applied } })
    if (!w.applied) return
    this.fanout(
      room,
      { type: 'reaction', room: room.name, seq: w.seq, emoji: w.emoji, user: w.user, added: w.add, rev: w.rev },
      room.seq,
    )
  }

  /** A membership or room change, committed by the room service: its wire frame (if any), then the stream. */
  announce(room: RoomState, event: Omit<MembershipEvent, 'roomSeq'> | Omit<RoomEvent, 'roomSeq'>, frame?: EventFrame): void {
    if (frame) this.broadcast(room, frame)
    if (this.events.subscribed) this.events.publish({ ...event, roomSeq: room.seq } as MembershipEvent | RoomEvent)
  }

  private fanout(room: RoomState, frame: Extract<EventFrame, { type: 'message' | 'edited' | 'deleted' | 'reaction' }>, roomSeq: number): void {
    this.broadcast(room, frame)
    if (this.events.subscribed) this.pending.push({ ...frame, roomSeq })
  }

  private broadcast(room: RoomState, frame: EventFrame): void {
    this.rooms.reachDirect(room, this.connectionsOf)
    this.rooms.broadcast(room, frame)
  }
}

/** The `message` event of a committed message (serialised once for every follower). */
const messageEvent = (m: MessageWrite): Extract<EventFrame, { type: 'message' }> => {
  const event: Extract<EventFrame, { type: 'message' }> = {
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
  if (m.threadRoot !== undefined) event.thread = m.threadRoot
  if (m.bot) event.bot = true
  if (m.attachments) event.attachments = m.attachments
  if (m.mentions) event.mentions = m.mentions.names
  if (m.mls) {
    event.text = null
    event.mls = m.mls.view
  }
  return event
}
