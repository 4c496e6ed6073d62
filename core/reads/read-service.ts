// Read markers inside a running hub: a member marks a room read up to a seq (only forward, never past
// the room's newest message), the user's other connections hear of it (another device clears its
// badge), unread and mention counts go with the room list, and a room with read receipts on tells
// its followers who has read how far (coalesced, core/reads/receipts.ts) — nobody else's marker is
// ever shown when they are off.
import { appendAudit } from '#core/audit/audit-log'
import type { SessionUser } from '#core/auth/session-store'
import type { Connection } from '#core/connections/connection'
import { type Db, writeTransaction } from '#core/db/client'
import type { MemberView, ReadMarker, RoomSummary } from '#core/protocol/messages'
import type { Announce, RoomService } from '#core/rooms/room-service'
import type { RoomState } from '#core/rooms/room-state'
import { ReadQueries, setReadReceipts } from './queries.ts'
import { ReceiptBatcher } from './receipts.ts'

export class ReadService {
  private readonly q: ReadQueries
  private readonly receipts: ReceiptBatcher

  constructor(
    private readonly db: Db,
    private readonly rooms: RoomService,
    private readonly connectionsOf: (userId: number) => Iterable<Connection>,
    /** Hands the receipts setting's change to delivery (its wire event, then the event stream). */
    private readonly announce: Announce,
  ) {
    this.q = new ReadQueries(db.$client)
    this.receipts = new ReceiptBatcher((room, reads) => this.sendReceipts(room, reads))
  }

  /**
   * Mark `name` read up to `seq` (members only; past the newest message it stops there). Returns the
   * stored marker — further than `seq` when it was already — with what is still unread. When it
   * moved, the user's other connections get a `read` event and, with receipts on, the room a `receipt`.
   */
  mark(user: SessionUser, name: string, seq: number, from?: Connection): ReadMarker {
    const { room } = this.rooms.membership(user, name)
    const target = Math.min(seq, room.seq)
    const moved = target > 0 && this.q.advance(user.userId, room.id, target, Date.now())
    const stored = moved ? target : this.q.marker(user.userId, room.id)
    const marker: ReadMarker = {
      room: room.name,
      seq: stored,
      ...this.counts(user.userId, room, stored),
    }
    if (!moved) return marker
    for (const conn of this.connectionsOf(user.userId))
      if (conn !== from) conn.send({ type: 'read', ...marker })
    if (room.readReceipts) this.receipts.add(room, user.name, stored)
    return marker
  }

  /** The rooms the user sees (as RoomService.list), with unread and mention counts where a member. */
  list(user: SessionUser): RoomSummary[] {
    const summaries = this.rooms.list(user)
    const markers = this.q.markers(user.userId)
    for (const summary of summaries) {
      const room = this.rooms.find(summary.name)
      if (!room) continue
      if (room.readReceipts) summary.readReceipts = true
      if (summary.role === undefined) continue
      Object.assign(summary, this.counts(user.userId, room, markers.get(room.id) ?? 0))
    }
    return summaries
  }

  /** A room's members (as RoomService.members); with receipts on, members also see how far each has read. */
  members(user: SessionUser, name: string): MemberView[] {
    const members = this.rooms.members(user, name)
    const room = this.rooms.find(name)
    if (!room?.readReceipts || this.rooms.roleOf(room, user.userId) === undefined) return members
    const markers = this.q.roomMarkers(room.id)
    for (const m of members) m.read = markers.get(m.user) ?? 0
    return members
  }

  /**
   * Owners and moderators: turn the room's read receipts on or off. Followers get a `receipts` event;
   * the change is audited (who may learn how far others read is a privacy setting).
   */
  setReceipts(user: SessionUser, name: string, enabled: boolean): RoomState {
    const { room } = this.rooms.moderator(user, name, `turn read receipts on or off in "${name}"`)
    if (room.readReceipts === enabled) return room
    writeTransaction(this.db, () => {
      setReadReceipts(this.db, room.id, enabled)
      appendAudit(this.db, {
        actor: user.name,
        action: 'room.changed',
        target: room.name,
        detail: { readReceipts: enabled },
      })
    })
    room.readReceipts = enabled
    this.announce(
      room,
      { type: 'room', room: room.name, change: 'receipts', readReceipts: enabled, by: user.name },
      { type: 'receipts', room: room.name, enabled, by: user.name },
    )
    return room
  }

  /** Stop announcing (the hub is closing). */
  close(): void {
    this.receipts.close()
  }

  private counts(
    userId: number,
    room: RoomState,
    marker: number,
  ): { unread: number; mentions: number } {
    if (marker >= room.seq) return { unread: 0, mentions: 0 }
    return {
      unread: this.q.unread(room.id, marker, userId),
      mentions: this.q.mentions(userId, room.id, marker),
    }
  }

  /** One window's receipts of a room: one write per follower however many there are. */
  private sendReceipts(room: RoomState, reads: ReadonlyMap<string, number>): void {
    this.rooms.corked([room], () => {
      for (const [user, seq] of reads)
        this.rooms.broadcast(room, { type: 'receipt', room: room.name, user, seq })
    })
  }
}
