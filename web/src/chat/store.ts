// What the chat view shows, kept from the SDK's events: the rooms list with unread counts, each open
// room's messages (a bounded window), who is typing and online, sends on their way, and the state
// of the connection (which reconnects with back-off and resumes; the SDK re-sends unanswered
// messages with their txn, so nothing is lost or doubled). Also the thread panel's thread, reactions
// and read markers as they change live, and "show this message in its room" for search results.
// End-to-end encrypted rooms come decrypted from this browser's device (web/src/e2e/tab-e2e.ts),
// woken before such a room is joined. Views subscribe and re-render on change.
import { backoffDelay } from '#core/backoff'
import { type ChatClient, randomId } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import { CloseCodes } from '#core/protocol/close-codes'
import type { EventOf, InviteView, MessageView, RoomSummary } from '#core/protocol/messages'
import type { DeviceLock } from '../e2e/device-lock.ts'
import { withE2eThreads } from '../e2e/e2e-threads.ts'
import { TabE2e } from '../e2e/tab-e2e.ts'
import { withReaction } from '../messages/reaction-list.ts'
import { type ThreadView, Threads } from '../messages/threads.ts'

/** At most this many messages of a room are kept (and in the DOM); older pages load on demand. */
export const WINDOW = 400
/** Messages fetched per history page. */
export const PAGE = 50
/** How long "bob is typing…" stays without a new typing event. */
const TYPING_MS = 5000
/** A message shown in context (openAt) comes with this many newer ones after it, when there are. */
const AROUND = 20
/** How long a message shown in context stays highlighted. */
const HIGHLIGHT_MS = 4000

/** A message of ours the hub has not acked yet (or refused). */
export interface Outgoing {
  txn: string
  room: string
  text: string
  state: 'sending' | 'failed'
  error?: string
  /** Ids of the files it carries, uploaded to its room (web/src/attachments). */
  attachments?: string[]
  /** A reply: the message it answers (so a retry stays in its thread). */
  replyTo?: number
}

export interface RoomView {
  name: string
  summary: RoomSummary | undefined
  /** Oldest first, at most WINDOW. */
  messages: MessageView[]
  /** Older messages exist before the first one here. */
  more: boolean
  /** The window ends at the newest message (false after scrolling far back and dropping the newest). */
  atLatest: boolean
  typing: Map<string, number>
  online: Set<string>
  /** The newest seq seen before the room was opened this time ("new messages" line goes after it). */
  readUpTo: number
}

/** A message shown in context: `id` tells one request from the next for the same message. */
export interface Highlight {
  room: string
  seq: number
  id: number
}

export type ConnectionState = 'online' | 'reconnecting' | 'offline'

type Listener = () => void

export class ChatStore {
  readonly rooms = new Map<string, RoomView>()
  invites: InviteView[] = []
  active: string | undefined = undefined
  connection: ConnectionState = 'online'
  /** Why the chat ended (session revoked, logged out elsewhere). */
  ended: string | undefined = undefined
  readonly outgoing = new Map<string, Outgoing>()
  /** The thread panel's thread, and the threads with new replies. */
  readonly threads: Threads
  /** The message shown in context (search results), highlighted for a moment. */
  highlight: Highlight | undefined = undefined
  /** Member names per room, for @-completion; dropped when someone joins or leaves. */
  private readonly memberLists = new Map<string, Promise<string[]>>()
  private highlights = 0
  private readonly listeners = new Set<Listener>()
  private version = 0

  /** End-to-end encrypted rooms in this tab: this browser's device, or why not. */
  readonly e2e: TabE2e

  constructor(
    readonly client: ChatClient,
    readonly me: string,
    /** This browser's device lock, taken over from another tab that let it go. */
    heldDevice?: DeviceLock,
  ) {
    this.e2e = new TabE2e(client, me, () => this.changed(), heldDevice)
    this.threads = new Threads(client, me, this.rooms, () => this.changed(), (room) => this.isEncrypted(room))
    client.on('message', (m: EventOf<'message'>) => this.onMessage(m))
    client.on('edited', (e: EventOf<'edited'>) =>
      this.patch(e.room, e.seq, (m) => ({ ...m, text: e.text, editedAt: e.editedAt, ...(e.mentions ? { mentions: e.mentions } : {}) })),
    )
    client.on('deleted', (e: EventOf<'deleted'>) => this.patch(e.room, e.seq, (m) => ({ ...m, text: null, deletedAt: e.deletedAt })))
    client.on('reactions', (e: EventOf<'reactions'>) => this.patch(e.room, e.seq, (m) => ({ ...m, reactions: e.reactions })))
    client.on('reaction', (e: EventOf<'reaction'>) => this.patch(e.room, e.seq, (m) => ({ ...m, reactions: withReaction(m.reactions, e) })))
    client.on('thread', (e: EventOf<'thread'>) => this.threads.onFollowedReply(e))
    // Read on another device: its counts are the hub's, here too.
    client.on('read', (e: EventOf<'read'>) => {
      const room = this.rooms.get(e.room)
      if (!room?.summary) return
      room.summary = { ...room.summary, unread: e.unread, mentions: e.mentions }
      this.changed()
    })
    // A mention in a room this connection does not follow: its message does not come here, the counts do.
    client.on('mention', (e: EventOf<'mention'>) => {
      if (!client.lastSeq.has(e.room)) void this.refreshRooms().catch(() => {})
    })
    client.on('joined', (e: EventOf<'joined'>) => this.memberLists.delete(e.room))
    client.on('left', (e: EventOf<'left'>) => this.memberLists.delete(e.room))
    client.on('typing', (e: EventOf<'typing'>) => {
      const room = this.rooms.get(e.room)
      if (!room || e.user === this.me) return
      room.typing.set(e.user, Date.now())
      this.changed()
      setTimeout(() => this.changed(), TYPING_MS + 50)
    })
    client.on('presence', (e: EventOf<'presence'>) => {
      const room = this.rooms.get(e.room)
      if (!room) return
      if (e.status === 'online') room.online.add(e.user)
      else room.online.delete(e.user)
      this.changed()
    })
    client.on('topic', (e: EventOf<'topic'>) => {
      const room = this.rooms.get(e.room)
      if (room?.summary) room.summary = { ...room.summary, topic: e.topic }
      this.changed()
    })
    client.on('invited', () => void this.refreshRooms())
    client.on('kicked', (e: EventOf<'kicked'>) => void this.forget(e.room).catch(() => {}))
    client.on('close', (code: number) => this.onClose(code))
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Changes with every update (views compare it). */
  get revision(): number {
    return this.version
  }

  private changed(): void {
    this.version++
    for (const listener of this.listeners) listener()
  }

  /**
   * After leaving a room or being removed from it: the rooms list, the open room and the thread
   * panel drop it (the SDK itself stops resuming it after a reconnect).
   */
  async forget(room: string): Promise<void> {
    this.rooms.delete(room)
    if (this.active === room) this.active = undefined
    if (this.threads.current?.room === room) this.threads.close()
    this.changed()
    await this.refreshRooms()
  }

  /** The rooms list (and invitations) from the hub. */
  async refreshRooms(): Promise<void> {
    const { rooms, invites } = await this.client.rooms()
    for (const summary of rooms) {
      if (summary.role === undefined) continue
      const view = this.rooms.get(summary.name) ?? this.emptyRoom(summary.name)
      view.summary = summary
      this.rooms.set(summary.name, view)
    }
    this.invites = invites
    this.changed()
  }

  /** Whether a room is end-to-end encrypted (its messages come from this browser's device). */
  isEncrypted(room: string): boolean {
    return this.rooms.get(room)?.summary?.e2e !== undefined
  }

  /** Rooms the user is a member of, direct conversations last. */
  memberRooms(): RoomView[] {
    const all = [...this.rooms.values()].filter((r) => r.summary?.role !== undefined)
    return [...all.filter((r) => r.summary?.kind !== 'direct'), ...all.filter((r) => r.summary?.kind === 'direct')]
  }

  private emptyRoom(name: string): RoomView {
    return { name, summary: undefined, messages: [], more: false, atLatest: true, typing: new Map(), online: new Set(), readUpTo: 0 }
  }

  /** Who is typing in a room now. */
  typingIn(room: string): string[] {
    const view = this.rooms.get(room)
    if (!view) return []
    const now = Date.now()
    return [...view.typing].filter(([, at]) => now - at < TYPING_MS).map(([user]) => user)
  }

  /** Show a room: join it (follows it on this connection), load its newest page, mark it read. */
  open(name: string): Promise<void> {
    return this.show(name)
  }

  /**
   * Show a message in its room, in context (a search result): the page around it (unless it is on the
   * screen already), scrolled to and highlighted for a moment by the timeline.
   */
  async openAt(name: string, seq: number): Promise<void> {
    const shown = this.active === name && this.rooms.get(name)?.messages.some((m) => m.seq === seq)
    if (!shown) await this.show(name, seq)
    const id = ++this.highlights
    this.highlight = { room: name, seq, id }
    this.changed()
    setTimeout(() => {
      if (this.highlight?.id !== id) return
      this.highlight = undefined
      this.changed()
    }, HIGHLIGHT_MS)
  }

  /** Join, then the newest page, or the page that ends a little after `around` (history before around+AROUND). */
  private async show(name: string, around?: number): Promise<void> {
    // The device must follow an encrypted room from its join on, or it misses what comes.
    if (this.isEncrypted(name)) await this.e2e.wake()
    let joined = await this.client.join(name)
    if (joined.e2e && this.e2e.state.kind === 'dormant') {
      // An encrypted room not in the list yet (an invitation, a name typed): again, with the device.
      await this.e2e.wake()
      if (this.e2e.ready) joined = await this.client.join(name)
    }
    const view = this.rooms.get(name) ?? this.emptyRoom(name)
    this.rooms.set(name, view)
    const unread = view.summary?.unread ?? 0
    view.readUpTo = Math.max(0, joined.seq - unread)
    view.online = new Set(joined.online)
    const page = await this.client.history(name, around === undefined ? { limit: PAGE } : { before: around + AROUND, limit: PAGE })
    view.messages = this.shown(name, page.messages)
    view.more = page.more
    view.atLatest = around === undefined || (page.messages.at(-1)?.seq ?? 0) >= joined.seq
    if (this.threads.current && this.threads.current.room !== name) this.threads.close()
    this.active = name
    if (!view.summary) await this.refreshRooms()
    this.changed()
    this.markRead(name)
    // Opening an encrypted room may have registered this browser as a device.
    if (this.isEncrypted(name) && this.e2e.device === undefined) await this.e2e.refreshDevice()
  }

  /** A page of a room's messages as the views show them (an encrypted room's replies in threads). */
  private shown(room: string, messages: MessageView[]): MessageView[] {
    return this.isEncrypted(room) ? withE2eThreads(messages) : messages
  }

  /** Open the direct conversation with a user (started if needed). */
  async openDirect(user: string): Promise<void> {
    const ack = await this.client.openDirect(user)
    await this.refreshRooms()
    await this.open(ack.room)
  }

  /** Load the page before the oldest message shown; the window drops the newest beyond WINDOW. */
  async loadOlder(name: string): Promise<boolean> {
    const view = this.rooms.get(name)
    const first = view?.messages[0]
    if (!view || !first || !view.more) return false
    const page = await this.client.history(name, { before: first.seq, limit: PAGE })
    view.messages = this.shown(name, [...page.messages, ...view.messages])
    view.more = page.more
    if (view.messages.length > WINDOW) {
      view.messages = view.messages.slice(0, WINDOW)
      view.atLatest = false
    }
    this.changed()
    return page.messages.length > 0
  }

  /**
   * Load the page after the newest message shown (when the window does not reach the newest: after
   * scrolling far back, or a message shown in context); the window drops the oldest beyond WINDOW.
   */
  async loadNewer(name: string): Promise<boolean> {
    const view = this.rooms.get(name)
    const last = view?.messages.at(-1)
    if (!view || !last || view.atLatest) return false
    // History pages end before a seq: this one ends PAGE messages after the last one shown.
    const page = await this.client.history(name, { before: last.seq + PAGE + 1, limit: PAGE })
    const newer = page.messages.filter((m) => m.seq > last.seq)
    view.messages = this.shown(name, [...view.messages, ...newer])
    if (view.messages.length > WINDOW) {
      view.messages = view.messages.slice(-WINDOW)
      view.more = true
    }
    const latest = Math.max(this.client.lastSeq.get(name) ?? 0, view.summary?.seq ?? 0)
    view.atLatest = (newer.at(-1)?.seq ?? last.seq) >= latest || newer.length === 0
    this.changed()
    return newer.length > 0
  }

  /** Back to the newest page (after the window dropped it). */
  async jumpToLatest(name: string): Promise<void> {
    const view = this.rooms.get(name)
    if (!view) return
    const page = await this.client.history(name, { limit: PAGE })
    view.messages = this.shown(name, page.messages)
    view.more = page.more
    view.atLatest = true
    this.changed()
  }

  /** What is on the screen is read: the marker moves, the unread count of every device follows. */
  markRead(name: string): void {
    const view = this.rooms.get(name)
    const last = view?.messages.at(-1)
    if (!view || !last || !view.atLatest) return
    if (view.summary) view.summary = { ...view.summary, unread: 0, mentions: 0 }
    this.client.read(name, last.seq).catch(() => {})
    this.changed()
  }

  private onMessage(event: MessageView): void {
    const view = this.rooms.get(event.room)
    // An encrypted room's reply names only what it answers: its thread is found among the messages shown.
    const m = view && this.isEncrypted(event.room) ? withE2eThreads([...view.messages, event]).at(-1)! : event
    if (m.thread !== undefined) this.threads.onReply(m, m.thread)
    if (!view) {
      // A direct conversation nobody had open: it appears in the list.
      void this.refreshRooms()
      return
    }
    if (view.messages.some((x) => x.seq === m.seq)) {
      // Again, and decrypted this time (a message of an encrypted room retried on this device).
      if (this.isEncrypted(m.room))
        view.messages = view.messages.map((x) => (x.seq === m.seq ? { ...m, ...(x.replies ? { replies: x.replies } : {}) } : x))
    } else if (view.atLatest) {
      view.messages = [...view.messages, m].slice(-WINDOW)
      if (view.messages.length === WINDOW) view.more = true
    }
    if (m.txn !== undefined) this.outgoing.delete(m.txn)
    view.typing.delete(m.from)
    if (this.active === m.room && document.visibilityState === 'visible') this.markRead(m.room)
    else if (m.from !== this.me && view.summary) {
      const mentioned = m.mentions?.includes(this.me) ?? false
      view.summary = { ...view.summary, unread: (view.summary.unread ?? 0) + 1, mentions: (view.summary.mentions ?? 0) + (mentioned ? 1 : 0) }
    }
    this.changed()
  }

  /** A change to one message, wherever it is shown: the room's window and the thread panel. */
  private patch(room: string, seq: number, change: (m: MessageView) => MessageView): void {
    const view = this.rooms.get(room)
    if (view) view.messages = view.messages.map((m) => (m.seq === seq ? change(m) : m))
    this.threads.patch(room, seq, change)
    this.changed()
  }

  /** The names of a room's members (for @-completion), asked once per room until someone joins or leaves. */
  memberNames(room: string): Promise<string[]> {
    let names = this.memberLists.get(room)
    if (!names) {
      names = this.client.members(room).then((ack) => ack.members.map((m) => m.user))
      names.catch(() => this.memberLists.delete(room))
      this.memberLists.set(room, names)
    }
    return names
  }

  /** Send a line; it shows as "sending…" until the hub acks it (also across a reconnect). */
  async send(room: string, text: string, options: { replyTo?: number; attachments?: string[] } = {}): Promise<void> {
    const txn = randomId()
    const { replyTo, attachments } = options
    const outgoing: Outgoing = {
      txn,
      room,
      text,
      state: 'sending',
      ...(attachments?.length ? { attachments } : {}),
      ...(replyTo === undefined ? {} : { replyTo }),
    }
    this.outgoing.set(txn, outgoing)
    this.changed()
    await this.transmit(outgoing)
  }

  /** Send a failed line again, with the same txn (the hub stores it at most once). */
  async retry(txn: string): Promise<void> {
    const outgoing = this.outgoing.get(txn)
    if (!outgoing) return
    outgoing.state = 'sending'
    delete outgoing.error
    this.changed()
    await this.transmit(outgoing)
  }

  private async transmit(outgoing: Outgoing): Promise<void> {
    const { txn, room, text, attachments, replyTo } = outgoing
    try {
      await this.client.say(room, text, { txn, ...(attachments ? { attachments } : {}), ...(replyTo === undefined ? {} : { replyTo }) })
      this.outgoing.delete(txn)
    } catch (err) {
      outgoing.state = 'failed'
      outgoing.error = isChatError(err) ? err.message : String(err)
    }
    this.changed()
  }

  /** Sends on their way in a room; with `thread`, only the replies in that thread. */
  pendingIn(room: string, thread?: ThreadView): Outgoing[] {
    return [...this.outgoing.values()].filter(
      (o) => o.room === room && (thread === undefined || (o.replyTo !== undefined && o.replyTo === thread.root)),
    )
  }

  private onClose(code: number): void {
    if (this.ended !== undefined) return
    this.connection = 'reconnecting'
    this.changed()
    // A revoked session may have been replaced in this browser (a password change sets a new
    // cookie): one immediate try tells; a refused one ends the chat.
    const revoked = code === CloseCodes.authFailed || code === CloseCodes.sessionRevoked
    void this.reconnect(revoked ? 1 : Number.POSITIVE_INFINITY)
  }

  /** Back-off until the hub answers again; the SDK resumes every joined room and re-sends the outbox. */
  private async reconnect(tries: number): Promise<void> {
    for (let attempt = 0; this.ended === undefined; attempt++) {
      if (attempt >= tries) return this.end()
      if (attempt > 0 || tries === Number.POSITIVE_INFINITY)
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { minMs: 500, maxMs: 15_000 })))
      try {
        await this.client.reconnect()
        this.connection = 'online'
        this.changed()
        await this.refreshRooms()
        return
      } catch (err) {
        if (isChatError(err) && err.code === 'CHATHUB_TOKEN_INVALID') return this.end()
      }
    }
  }

  private end(): void {
    this.ended = 'Your session ended (logged out, or revoked). Log in again.'
    this.connection = 'offline'
    this.changed()
  }

  /** Stop for good (logout): another tab may take this browser's device. */
  async close(): Promise<void> {
    this.ended = 'closed'
    await this.client.close()
    this.e2e.close()
  }
}

