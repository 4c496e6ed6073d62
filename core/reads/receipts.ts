// Read receipts ("seen by"), coalesced: the markers that moved in a room within one window leave
// together, one `receipt` per user with the furthest seq. A client marks what it shows as it shows
// it; relayed one by one, a busy room of n readers would cost every follower n writes per message.
import type { RoomState } from '#core/rooms/room-state'

/** How long receipts gather before they are announced: at most one per user and room per window. */
export const RECEIPT_WINDOW_MS = 1000

export class ReceiptBatcher {
  /** room -> user name -> the seq to announce at the next flush. */
  private pending = new Map<RoomState, Map<string, number>>()
  private timer: NodeJS.Timeout | undefined = undefined
  private closed = false

  constructor(
    /** Announce these markers of one room to its followers. */
    private readonly announce: (room: RoomState, reads: ReadonlyMap<string, number>) => void,
    private readonly windowMs = RECEIPT_WINDOW_MS,
  ) {}

  /** `user` has read `room` up to `seq` (markers only move forward, so the last one is the furthest). */
  add(room: RoomState, user: string, seq: number): void {
    if (this.closed) return
    let reads = this.pending.get(room)
    if (!reads) this.pending.set(room, (reads = new Map()))
    reads.set(user, seq)
    this.timer ??= setTimeout(this.flush, this.windowMs).unref()
  }

  readonly flush = (): void => {
    this.timer = undefined
    const pending = this.pending
    this.pending = new Map()
    // A room that turned receipts off since keeps its readers' markers to itself.
    for (const [room, reads] of pending) if (room.readReceipts) this.announce(room, reads)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.pending.clear()
  }
}
