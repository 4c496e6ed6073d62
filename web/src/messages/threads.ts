// Threads in the browser: the one the thread panel shows (its root, then its replies a page at a time,
// live), the reply counts of roots in the timeline, which threads the user follows, and the replies
// that came in followed threads (`thread` events) since each was last open. Owned by the ChatStore,
// which calls `changed` to re-render the views. In an end-to-end encrypted room a thread is found in
// this browser's device log (web/src/e2e/e2e-threads.ts): the hub cannot tell replies apart there.
import type { ChatClient } from '#core/client/sdk'
import type { EventOf, MessageView } from '#core/protocol/messages'
import type { RoomView } from '../chat/store.ts'
import { withE2eThreads } from '../e2e/e2e-threads.ts'

/** Replies fetched per page. */
const PAGE = 50

/** The thread in the thread panel: its root and its replies (a page, older ones on demand). */
export interface ThreadView {
  room: string
  root: number
  /** The root message; undefined until it is loaded. */
  rootMessage: MessageView | undefined
  /** Oldest first. */
  replies: MessageView[]
  /** Older replies exist before the first one here. */
  more: boolean
  loading: boolean
}

/** Threads are named by room and root. */
export const threadKey = (room: string, root: number): string => `${room}#${root}`

export class Threads {
  /** The thread the thread panel shows. */
  current: ThreadView | undefined = undefined
  /** Replies in followed threads since each was last open, by threadKey. */
  readonly news = new Map<string, number>()
  /** Threads followed or unfollowed here, by threadKey; the others follow the hub's rule (see following). */
  private readonly followed = new Map<string, boolean>()

  constructor(
    private readonly client: ChatClient,
    private readonly me: string,
    private readonly rooms: Map<string, RoomView>,
    private readonly changed: () => void,
    private readonly encrypted: (room: string) => boolean,
  ) {}

  /** Show a thread in the panel: its root first, then its newest page of replies. */
  async open(room: string, root: number): Promise<void> {
    this.news.delete(threadKey(room, root))
    const known = this.rooms.get(room)?.messages.find((m) => m.seq === root)
    const thread: ThreadView = { room, root, rootMessage: known, replies: [], more: false, loading: true }
    this.current = thread
    this.changed()
    try {
      if (this.encrypted(room)) return await this.openEncrypted(thread)
      const page = await this.client.history(room, { thread: root, limit: PAGE })
      // The root leads only a page that reaches the thread's start; otherwise it is fetched alone.
      const first = page.messages[0]
      if (first?.seq === root) thread.rootMessage = first
      else thread.rootMessage ??= (await this.client.history(room, { before: root + 1, limit: 1 })).messages.find((m) => m.seq === root)
      // Replies that came live while the page was on its way stay.
      thread.replies = merged(page.messages.filter((m) => m.seq !== root), thread.replies)
      thread.more = page.more
    } finally {
      thread.loading = false
      this.changed()
    }
  }

  /** An encrypted room's thread: its root and replies from the device's whole log (it is on this device). */
  private async openEncrypted(thread: ThreadView): Promise<void> {
    const log = withE2eThreads((await this.client.history(thread.room, { limit: Number.MAX_SAFE_INTEGER })).messages)
    thread.rootMessage = log.find((m) => m.seq === thread.root) ?? thread.rootMessage
    thread.replies = merged(
      log.filter((m) => m.thread === thread.root),
      thread.replies,
    )
    thread.more = false
  }

  /** The replies before the first one shown. */
  async loadOlder(): Promise<void> {
    const thread = this.current
    const first = thread?.replies[0]
    if (!thread || !first || !thread.more) return
    const page = await this.client.history(thread.room, { thread: thread.root, before: first.seq, limit: PAGE })
    thread.replies = merged(page.messages.filter((m) => m.seq !== thread.root), thread.replies)
    thread.more = page.more
    this.changed()
  }

  close(): void {
    if (!this.current) return
    this.current = undefined
    this.changed()
  }

  /**
   * Whether the user follows a thread (gets a `thread` event for each reply): as set here, or else as
   * the hub decides — the root's author and everyone who replied. (The hub does not list the threads
   * one follows: a choice made on another device shows here as that rule says.)
   */
  following(thread: ThreadView): boolean {
    return (
      this.followed.get(threadKey(thread.room, thread.root)) ??
      (thread.rootMessage?.from === this.me || thread.replies.some((m) => m.from === this.me))
    )
  }

  async follow(room: string, root: number, follow: boolean): Promise<void> {
    const ack = await this.client.followThread(room, root, follow)
    this.followed.set(threadKey(room, root), ack.following)
    this.changed()
  }

  /** A reply (a `message` with `thread`): its root counts it, and the panel shows it when open on its thread. */
  onReply(m: MessageView, root: number): void {
    const counted = (r: MessageView): MessageView =>
      r.replies && r.replies.last >= m.seq ? r : { ...r, replies: { count: (r.replies?.count ?? 0) + 1, last: m.seq, lastTs: m.ts } }
    const view = this.rooms.get(m.room)
    if (view) view.messages = view.messages.map((r) => (r.seq === root ? counted(r) : r))
    const thread = this.current
    if (thread?.room !== m.room || thread.root !== root) return
    if (thread.rootMessage) thread.rootMessage = counted(thread.rootMessage)
    thread.replies = merged(thread.replies, [m])
  }

  /** A reply in a thread the user follows: marked until the thread is opened (not while it is open). */
  onFollowedReply(e: EventOf<'thread'>): void {
    if (this.current?.room === e.room && this.current.root === e.root) return
    const key = threadKey(e.room, e.root)
    this.news.set(key, (this.news.get(key) ?? 0) + 1)
    this.changed()
  }

  /** A change to one message (edit, delete, reactions) where the panel shows it. */
  patch(room: string, seq: number, change: (m: MessageView) => MessageView): void {
    const thread = this.current
    if (thread?.room !== room) return
    if (thread.rootMessage?.seq === seq) thread.rootMessage = change(thread.rootMessage)
    thread.replies = thread.replies.map((m) => (m.seq === seq ? change(m) : m))
  }
}

/** Two runs of one thread's messages as one, oldest first, each seq once (the later copy wins). */
const merged = (a: MessageView[], b: MessageView[]): MessageView[] => {
  const bySeq = new Map<number, MessageView>()
  for (const m of [...a, ...b]) bySeq.set(m.seq, m)
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq)
}
