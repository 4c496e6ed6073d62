// What a follower missed while it was away, read from the store from its cursor: the one way every
// consumer catches up (a client's `join` with `since`/`rev`, bridges and bots through ctx.hub).
import type { EventOf } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'
import type { MessageStore } from './message-store.ts'

/** Where a follower is: the last message seq it has and the room's change counter it has seen. */
export interface Cursor {
  since?: number
  rev?: number
}

export interface CatchUpPage {
  /**
   * First the changes to messages the follower has (edits, deletes, reactions as they are now), then
   * the messages after `since`.
   */
  events: EventOf<'message' | 'edited' | 'deleted' | 'reactions'>[]
  /** Where this page leaves the follower: ask again from (seq, rev) while `more`. */
  seq: number
  rev: number
  more: boolean
}

/**
 * One page (at most `max` of each kind) of what a follower at `from` missed in `room`. Changes to
 * messages after `since` are not listed: those messages come whole, as they are now. Without a
 * cursor it is empty and says where the room is.
 */
export const catchUp = (store: MessageStore, room: RoomState, from: Cursor, max: number): CatchUpPage => {
  const events: CatchUpPage['events'] = []
  let more = false
  let seq = room.seq
  let rev = store.rev(room)
  if (from.rev !== undefined && from.rev < rev) {
    const upTo = Math.min(from.since ?? room.seq, room.seq)
    const changes = store.changesAfter(room, from.rev, upTo, max)
    if (changes.more) {
      more = true
      rev = changes.rev
      seq = upTo
    }
    events.push(...changes.events)
  }
  if (!more && from.since !== undefined && from.since < room.seq) {
    const missed = store.after(room, from.since, max + 1)
    more = missed.length > max
    const page = missed.slice(0, max)
    for (const m of page) events.push({ type: 'message', ...m })
    if (more) seq = page[page.length - 1]?.seq ?? seq
  }
  return { events, seq, rev, more }
}
