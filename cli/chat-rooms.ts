// The rooms and direct conversations one `chathub chat` follows: which one is on the screen, how far
// each was shown (its read marker follows), and what is unread in the others, counted as messages
// arrive and shown in the prompt and by `/rooms`.
import type { ChatClient } from '#core/client/sdk'
import { plural } from './format.ts'
import { ReadTracker } from './read-tracker.ts'

/** A room to follow; `peer` for a direct conversation (shown as `@peer`). */
export interface ChatTarget {
  room: string
  peer?: string
}

export class FollowedRoom {
  /** How the chat names it: `general`, or `@bob` for the direct conversation with bob. */
  readonly title: string
  /** The newest seq on the screen (the read marker follows it). */
  shownUpTo = 0
  /** The newest seq this chat knows of (received, or the room's seq when followed). */
  newest = 0
  /** Shown at least once (its banner and recent history are on the screen). */
  visited = false
  /** Messages from others that arrived while another room was on the screen. */
  unread = 0
  /** Of those, how many mention you. */
  mentions = 0
  /** "new messages in …" was said since the room was last on the screen. */
  announced = false
  /** The last message this chat sent here (what /edit and /delete act on without a SEQ). */
  lastOwnSeq: number | undefined = undefined
  readonly reads: ReadTracker

  constructor(
    client: ChatClient,
    readonly room: string,
    readonly peer?: string,
  ) {
    this.title = peer === undefined ? room : `@${peer}`
    this.reads = new ReadTracker(client, room)
  }

  /** Messages up to `seq` are on the screen. */
  shown(seq: number): void {
    this.shownUpTo = Math.max(this.shownUpTo, seq)
    this.newest = Math.max(this.newest, seq)
    this.reads.shownUpTo(this.shownUpTo)
  }

  /** It is on the screen now: nothing in it is unread any more. */
  caughtUp(): void {
    this.unread = 0
    this.mentions = 0
    this.announced = false
  }

  /** `3 unread, 1 mention`, or '' when there is nothing. */
  counts(): string {
    const parts = this.unread > 0 ? [`${this.unread} unread`] : []
    if (this.mentions > 0) parts.push(plural(this.mentions, 'mention'))
    return parts.join(', ')
  }
}

export class FollowedRooms {
  private readonly byRoom = new Map<string, FollowedRoom>()
  private current: FollowedRoom | undefined = undefined

  constructor(private readonly client: ChatClient) {}

  /** Follow a room (the first one followed is on the screen); following it again changes nothing. */
  add(target: ChatTarget): FollowedRoom {
    let followed = this.byRoom.get(target.room)
    if (!followed) {
      followed = new FollowedRoom(this.client, target.room, target.peer)
      this.byRoom.set(target.room, followed)
    }
    this.current ??= followed
    return followed
  }

  /** Stop following (kicked, banned, room deleted); the screen moves to the first one left. */
  remove(room: string): void {
    this.byRoom.delete(room)
    if (this.current?.room === room) this.current = this.byRoom.values().next().value
  }

  get(room: string): FollowedRoom | undefined {
    return this.byRoom.get(room)
  }

  /** By the name the user types: `general`, `@bob`. */
  find(title: string): FollowedRoom | undefined {
    for (const followed of this.byRoom.values()) if (followed.title === title) return followed
    return undefined
  }

  /** The room on the screen. */
  get active(): FollowedRoom {
    if (!this.current) throw new Error('the chat follows no room')
    return this.current
  }

  set active(followed: FollowedRoom) {
    this.current = followed
    followed.caughtUp()
  }

  get size(): number {
    return this.byRoom.size
  }

  all(): FollowedRoom[] {
    return [...this.byRoom.values()]
  }

  /** The rooms off the screen with something unread, those that mention you first. */
  waiting(): FollowedRoom[] {
    const others = this.all().filter((r) => r !== this.current && r.unread > 0)
    return [...others.filter((r) => r.mentions > 0), ...others.filter((r) => r.mentions === 0)]
  }

  /** `general> `, or `general [ops 3, @bob 1]> ` when other rooms have unread messages. */
  prompt(): string {
    const waiting = this.waiting().map((r) => `${r.title} ${r.unread}${r.mentions > 0 ? '!' : ''}`)
    return `${this.active.title}${waiting.length > 0 ? ` [${waiting.join(', ')}]` : ''}> `
  }

  /** What `/rooms` prints: every followed room, the one on the screen marked. */
  listing(): string[] {
    return [
      `* following ${plural(this.size, 'room')} (/switch NAME shows one):`,
      ...this.all().map((r) => {
        const counts = r.counts()
        return `*   ${r === this.current ? '>' : ' '} ${r.title}${counts === '' ? '' : ` — ${counts}`}`
      }),
    ]
  }

  /** Send every room's read marker (before the connection closes). */
  async flush(): Promise<void> {
    await Promise.all(this.all().map((r) => r.reads.flush()))
  }
}
