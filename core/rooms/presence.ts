// Presence announcements, batched per room: the online/offline changes of a room within one window
// leave together, so each follower gets them in one write, and a user who goes offline and back
// online inside the window (a reconnect) is not announced at all. Announced one by one, n members
// reconnecting after a restart would cost every follower a write per member: n² writes.
import type { RoomState } from './room-state.ts'

export type PresenceStatus = 'online' | 'offline'

export class PresenceBatcher {
  /** room -> user name -> the status to announce at the next flush. */
  private pending = new Map<RoomState, Map<string, PresenceStatus>>()
  private timer: NodeJS.Timeout | undefined = undefined
  private closed = false

  constructor(
    /** Announce these changes of one room to its followers. */
    private readonly announce: (room: RoomState, changes: ReadonlyMap<string, PresenceStatus>) => void,
    /** The window in ms; 0 announces every change at once. */
    private readonly windowMs: number,
  ) {}

  change(room: RoomState, user: string, status: PresenceStatus): void {
    // Sockets closing during shutdown have nobody left to tell.
    if (this.closed) return
    if (this.windowMs === 0) return this.announce(room, new Map([[user, status]]))
    let changes = this.pending.get(room)
    if (!changes) this.pending.set(room, (changes = new Map()))
    // Statuses alternate per user, so a pending one here is the opposite: the two cancel out.
    if (changes.has(user)) changes.delete(user)
    else changes.set(user, status)
    this.timer ??= setTimeout(this.flush, this.windowMs).unref()
  }

  readonly flush = (): void => {
    this.timer = undefined
    const pending = this.pending
    this.pending = new Map()
    for (const [room, changes] of pending) if (changes.size > 0) this.announce(room, changes)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.pending.clear()
  }
}
