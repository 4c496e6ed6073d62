// The in-process event stream: what was committed, in commit order, for plugins (bridges, bots,
// webhooks, later search and the cluster bus). Published by core/messages/delivery.ts right after
// the fan-out to sockets; plugins subscribe through ctx.hub (core/plugin-api.ts) and never open a
// WebSocket to their own hub.
import type { FastifyBaseLogger } from 'fastify'
import type { EventOf } from '#core/protocol/messages'

/** Every event carries its room's seq after the commit (the seq a follower has seen up to). */
interface InRoom {
  room: string
  roomSeq: number
}

/** What happened to a room's membership: joined, left (or was kicked or banned), invited. */
export interface MembershipEvent extends InRoom {
  type: 'membership'
  user: string
  change: 'joined' | 'left' | 'kicked' | 'banned' | 'invited'
  /** Who removed or invited the member. */
  by?: string
}

/**
 * A room created or deleted, or its topic or read receipts setting changed; `swept`: messages of the
 * room were deleted by retention or an account's erasure (no event per message; what a listener
 * keeps of the room's messages it should check against the store: history no longer has them).
 */
export interface RoomEvent extends InRoom {
  type: 'room'
  change: 'created' | 'deleted' | 'topic' | 'receipts' | 'swept'
  /** With `topic`: the new topic. */
  topic?: string
  /** With `receipts`: whether the room now shows how far its members have read. */
  readReceipts?: boolean
  /** With `topic` and `receipts`: who changed it ("admin" for an admin command). */
  by?: string
}

/**
 * A committed message (or an edit) mentions `user`, a member of the room: one event per mentioned
 * user, right after the message's own — what notification plugins act on.
 */
export interface MentionEvent extends InRoom {
  type: 'mention'
  /** The message. */
  seq: number
  /** Its sender as the message shows it (a bridged sender: `name@network`). */
  from: string
  /** Who is mentioned. */
  user: string
}

/** A committed message, edit, delete or reaction has the wire event's shape (docs/protocol.md) plus roomSeq. */
export type HubEvent =
  | (EventOf<'message'> & InRoom)
  | (EventOf<'edited'> & InRoom)
  | (EventOf<'deleted'> & InRoom)
  | (EventOf<'reaction'> & InRoom)
  | MembershipEvent
  | RoomEvent
  | MentionEvent

export type HubEventType = HubEvent['type']

/**
 * Called synchronously after each commit, in commit order: do little (queue the work). A listener
 * that throws is logged and keeps its subscription; the others still get the event.
 */
export type HubEventListener = (event: HubEvent) => void

export class HubEvents {
  private readonly listeners = new Set<HubEventListener>()

  constructor(private readonly log: FastifyBaseLogger) {}

  get subscribed(): boolean {
    return this.listeners.size > 0
  }

  /** Follow every committed event; returns the unsubscribe. */
  subscribe(listener: HubEventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(event: HubEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.log.error({ err, event: event.type, room: event.room }, 'event listener failed')
      }
    }
  }
}
