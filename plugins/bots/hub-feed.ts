// One bot's side of the hub, in the plugin's process: the bot account acting through ctx.hub (scoped
// to the bot's rooms, checked and rate-limited like that account's client frames), joining its rooms,
// catching up from its cursor and following the committed event stream. Only the events of the bot's
// rooms reach the bot host — configured rooms it has joined, and the direct conversations of its
// account — translated to the engine's inputs. The bot host says which messages the bot is done
// with; the cursor stays before the oldest one it is not, so what a crash, a kill or a reload cut
// off comes again (the newest `replayMissed` per room).
import { randomUUID } from 'node:crypto'
import type { CatchUpPage, HubActor, HubApi, HubEvent, WriteAck } from '#core/plugin-api'
import { Backoff, catchUpThenGoLive } from '#core/plugin-api'
import type { CursorFile } from './cursors.ts'
import type { BotInput, BotMessage } from './protocol.ts'

type MessageEvent = Extract<CatchUpPage['events'][number], { type: 'message' }>

/** Configured rooms that could not be joined (missing, private without an invite) are tried again this often. */
export const JOIN_RETRY_MS = 2000

/** Direct rooms are named after both account ids (docs/protocol.md, "Direct conversations"). */
const DIRECT_ROOM = /^dm-(\d{1,15})-(\d{1,15})$/

interface Followed {
  /**
   * pending: not a member yet (retried); joining: joining or catching up (live events of the room
   * wait for the catch-up); live: followed; gone: the bot was removed (followed again from its next load).
   */
  state: 'pending' | 'joining' | 'live' | 'gone'
  direct: boolean
  /** The newest message this session has seen in the room (handed over or nothing to hand). */
  high: number
  /** Messages handed to the bot host that it is not done with yet, oldest first. */
  open: Set<number>
  /** Ends the account's presence in the room (shown online while live, like a connected client). */
  offline: (() => void) | undefined
}

/** One follow of the hub, from a load of the bot to its stop (or the next load). */
interface Session {
  actor: HubActor
  rooms: Map<string, Followed>
  active: boolean
  unsubscribe: (() => void) | undefined
  retry: NodeJS.Timeout | undefined
}

export interface FeedDeps {
  hub: HubApi
  /** The bot's account name, and its id (which names its direct rooms). */
  name: string
  accountId: number
  /** The configured rooms, the actor's scopes. */
  rooms: readonly string[]
  replayMissed: number
  cursors: CursorFile
  /** Hand an input to the bot host (in order). */
  forward(input: BotInput): void
  /** The bot takes part in this direct room: called before any input of it. */
  direct(room: string): void
  log(level: 'info' | 'warn' | 'error', text: string): void
}

export class BotFeed {
  private session: Session | undefined
  /** Bumped by every follow and unfollow: an older follow's awaits see they are stale. */
  private generation = 0
  private readonly backoff = new Backoff({ minMs: 250, maxMs: 10_000 })
  private wait: { timer: NodeJS.Timeout; wake: () => void } | undefined
  /** Direct rooms of the account, as confirmed by the hub. */
  private readonly directs = new Set<string>()
  /** Rooms named like one of the account's direct rooms that the hub says are not (legacy names). */
  private readonly notDirect = new Set<string>()

  constructor(private readonly deps: FeedDeps) {}

  /**
   * Follow the hub for a freshly loaded bot: act as its account, subscribe, join every configured
   * room and catch up there and in its direct rooms. Resolves once each room was tried once: true
   * when this follow is still the current one (not unfollowed or superseded meanwhile).
   */
  async follow(): Promise<boolean> {
    this.unfollow()
    const generation = this.generation
    let actor: HubActor | undefined
    while (!actor) {
      try {
        actor = this.actor()
      } catch (err) {
        this.deps.log('warn', `cannot act as the bot account: ${(err as Error).message}; retrying`)
        await this.sleep(this.backoff.next())
        if (generation !== this.generation) return false
      }
    }
    this.backoff.reset()
    const session: Session = { actor, rooms: new Map(), active: true, unsubscribe: undefined, retry: undefined }
    this.session = session
    // One synchronous step: the rooms listed and the subscription see the same commits.
    for (const room of this.deps.rooms) session.rooms.set(room, followed(false))
    for (const room of this.listRooms(actor)) {
      if (room.kind !== 'direct' || session.rooms.has(room.name)) continue
      this.directs.add(room.name)
      session.rooms.set(room.name, followed(true))
      this.deps.direct(room.name)
    }
    session.unsubscribe = this.deps.hub.subscribe((event) => this.onEvent(session, event))
    await this.joinPending(session, true)
    return session.active && this.session === session
  }

  /** Stop handing events over (the bot stops, reloads, fails, or its host died). */
  unfollow(): void {
    this.generation++
    if (this.wait) {
      clearTimeout(this.wait.timer)
      this.wait.wake()
      this.wait = undefined
    }
    const s = this.session
    if (!s?.active) return
    s.active = false
    s.unsubscribe?.()
    clearTimeout(s.retry)
    for (const room of s.rooms.values()) setState(room, 'pending')
    // The session stays: the bot host may still report messages it was done with before it stopped.
  }

  /** The bot host is done with a message it was handed (its handlers got it, or it had none). */
  done(room: string, seq: number): void {
    const followedRoom = this.session?.rooms.get(room)
    if (followedRoom?.open.delete(seq)) this.settle(room, followedRoom)
  }

  /** Post as the bot (the hub's checks and the account's rate limit apply). */
  say(room: string, text: string, replyTo?: number): Promise<WriteAck> {
    return this.current().say({ room, text, txn: randomUUID(), ...(replyTo ? { replyTo } : {}) })
  }

  members(room: string): { user: string; role: string }[] {
    return this.current().members(room).map(({ user, role }) => ({ user, role }))
  }

  /**
   * Whether `room` is a direct conversation of the bot's account: its name holds the account's id
   * (no lookup for any other room), and the hub confirms it once.
   */
  ownsDirect(room: string): boolean {
    if (this.directs.has(room)) return true
    if (this.notDirect.has(room)) return false
    const m = DIRECT_ROOM.exec(room)
    const id = String(this.deps.accountId)
    if (!m || (m[1] !== id && m[2] !== id)) return false
    let found = false
    try {
      found = this.current().rooms().some((r) => r.name === room && r.kind === 'direct')
    } catch {
      return false // the account cannot act now: ask again later
    }
    ;(found ? this.directs : this.notDirect).add(room)
    return found
  }

  close(): void {
    this.unfollow()
    this.deps.cursors.close()
  }

  private actor(): HubActor {
    return this.deps.hub.actAs(this.deps.name, { scopes: this.deps.rooms })
  }

  /** The current session's actor, or a new one while the bot does not follow the hub. */
  private current(): HubActor {
    return this.session?.active ? this.session.actor : this.actor()
  }

  /** The rooms the account sees (empty when the hub cannot say: direct rooms are then learned live). */
  private listRooms(actor: HubActor): ReturnType<HubActor['rooms']> {
    try {
      return actor.rooms()
    } catch (err) {
      this.deps.log('warn', `cannot list the bot's rooms: ${(err as Error).message}`)
      return []
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wait = undefined
        resolve()
      }, ms)
      this.wait = { timer, wake: resolve }
    })
  }

  private async joinPending(s: Session, first: boolean): Promise<void> {
    for (const [name, room] of s.rooms) {
      if (!s.active) return
      if (room.state === 'pending') await this.join(s, name, room, first)
    }
    this.retryLater(s)
  }

  private retryLater(s: Session): void {
    if (!s.active || s.retry || ![...s.rooms.values()].some((r) => r.state === 'pending')) return
    s.retry = setTimeout(() => {
      s.retry = undefined
      void this.joinPending(s, false)
    }, JOIN_RETRY_MS)
    s.retry.unref()
  }

  /**
   * Join a room (a member's join is a no-op, direct rooms included), then catch up: from the cursor,
   * at most the newest `replayMissed` messages; a room new to the bot starts at its newest message,
   * and so does one it was removed from and is let in again (what was said meanwhile was not for it).
   */
  private async join(s: Session, name: string, room: Followed, first: boolean): Promise<void> {
    const back = room.state === 'gone'
    room.state = 'joining'
    try {
      const at = await s.actor.join(name)
      if (!s.active) return
      const { replayMissed } = this.deps
      const cursor = this.deps.cursors.get(name)
      let since = at.seq
      if (back || cursor === undefined || cursor > at.seq) {
        // New to the room (or the room was made again since, and its seqs restarted): from now on.
        room.open.clear()
        this.deps.cursors.set(name, at.seq)
      } else if (replayMissed === 0) {
        this.deps.cursors.advance(name, at.seq)
      } else {
        since = Math.max(cursor, at.seq - replayMissed)
        if (since > cursor) {
          this.deps.log('warn', `${since - cursor} messages missed in "${name}" are not replayed (only the newest ${replayMissed}: replayMissed)`)
        }
      }
      room.high = since
      await this.catchUp(s, name, room, since)
    } catch (err) {
      if (!s.active) return
      setState(room, back ? 'gone' : 'pending')
      if (first) this.deps.log('error', `cannot join room "${name}": ${(err as Error).message} (retrying)`)
    }
  }

  /**
   * Hand over the messages after `since`, a page at a time (other work runs between pages). The last
   * page and going live are one synchronous step, so no commit falls between them.
   */
  private async catchUp(s: Session, name: string, room: Followed, since: number): Promise<void> {
    await catchUpThenGoLive(s.actor, name, { since }, {
      onEvent: (event) => {
        if (event.type === 'message') this.message(name, room, event)
      },
      live: () => {
        room.offline = s.actor.follow(name)
        room.state = 'live'
      },
      stopped: () => !s.active,
    })
  }

  private onEvent(s: Session, event: HubEvent): void {
    if (!s.active) return
    let room = s.rooms.get(event.room)
    if (!room) {
      // A conversation opened with the bot since this session began: followed from its first message.
      if (event.type !== 'message' || !this.ownsDirect(event.room)) return
      room = { ...followed(true), state: 'live', high: event.seq - 1 }
      s.rooms.set(event.room, room)
      try {
        room.offline = s.actor.follow(event.room)
      } catch {
        // not shown online there; its messages are handed over all the same
      }
      this.deps.direct(event.room)
    }
    if (event.type === 'room') {
      if (event.change === 'created' && room.state === 'pending') void this.join(s, event.room, room, false).then(() => this.retryLater(s))
      if (event.change === 'deleted') {
        setState(room, room.direct ? 'gone' : 'pending')
        this.retryLater(s)
      }
      return
    }
    if (event.type === 'membership' && event.user === this.deps.name) {
      if (event.change === 'invited' && (room.state === 'pending' || room.state === 'gone')) {
        void this.join(s, event.room, room, false).then(() => this.retryLater(s))
      } else if (event.change !== 'joined' && event.change !== 'invited') {
        setState(room, 'gone')
      }
      return
    }
    if (room.state !== 'live') return
    switch (event.type) {
      case 'message':
        return this.message(event.room, room, event)
      case 'edited':
        return this.deps.forward({ kind: 'event', name: 'edit', data: { room: event.room, seq: event.seq, text: event.text } })
      case 'deleted':
        return this.deps.forward({ kind: 'event', name: 'delete', data: { room: event.room, seq: event.seq, user: event.by } })
      case 'membership':
        if (event.change === 'invited') return
        return this.deps.forward({
          kind: 'event',
          name: event.change === 'joined' ? 'join' : 'leave',
          data: { room: event.room, user: event.user },
        })
    }
  }

  /** A message (caught up or live) for the bot; its own and deleted ones are done at once. */
  private message(name: string, room: Followed, m: MessageEvent): void {
    if (m.seq <= room.high) return
    room.high = m.seq
    const own = m.from === this.deps.name && m.via === undefined
    if (!own && m.text !== null) {
      room.open.add(m.seq)
      this.deps.forward(input(m, m.text))
    }
    this.settle(name, room)
  }

  /** The cursor: just before the oldest message the bot is not done with, else the newest seen. */
  private settle(name: string, room: Followed): void {
    const oldest = room.open.values().next()
    this.deps.cursors.advance(name, oldest.done ? room.high : oldest.value - 1)
  }
}

const followed = (direct: boolean): Followed => ({ state: 'pending', direct, high: 0, open: new Set(), offline: undefined })

/** A room leaves `live`: the account is no longer shown online there. */
const setState = (room: Followed, state: Followed['state']): void => {
  room.state = state
  if (state === 'live') return
  room.offline?.()
  room.offline = undefined
}

/** A message as the engine takes it: the message, and one `attachment` event per file (metadata only). */
const input = (m: MessageEvent, text: string): BotInput => {
  const message: BotMessage = {
    room: m.room,
    seq: m.seq,
    from: m.from,
    text,
    ...(m.bot ? { bot: true } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
  }
  const attachments = (m.attachments ?? []).map((a) => ({
    room: m.room,
    seq: m.seq,
    user: m.from,
    id: String(a.id),
    name: String(a.name),
    mime: String(a.mime),
    size: Number(a.size),
    ...(typeof a.width === 'number' ? { width: a.width } : {}),
    ...(typeof a.height === 'number' ? { height: a.height } : {}),
    ...(m.bot ? { bot: true } : {}),
  }))
  return { kind: 'message', message, attachments }
}
