// The HubApi handed to plugins (ctx.hub): the committed event stream, and writing as one of the
// plugin's accounts (a bot's, a bridge's) through the same checks a client's frames go through
// (core/messages/writes.ts), with a rate limit of the account's own. Bound to one hub by buildServer().
// End-to-end encrypted rooms are closed to it (CHATHUB_E2E_ROOM_ENCRYPTED): the hub has no plaintext
// to give a bot or a bridge there.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { SessionUser } from '#core/auth/session-store'
import { frameRate } from '#core/connections/connection'
import { refuseEncrypted } from '#core/e2e/group'
import { chatErrorOf, coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import { type CatchUpPage, type Cursor, catchUp } from '#core/messages/catch-up'
import type { Reply, WriteAck } from '#core/messages/delivery'
import type { HubEventListener } from '#core/messages/events'
import { edit, joinRoom, react, remove, say, type SayInput } from '#core/messages/writes'
import type { MemberView, MessageView, RoomSummary } from '#core/protocol/messages'
import { hasInvite } from '#core/rooms/queries'
import type { RoomState } from '#core/rooms/room-state'
import { findUser } from '#core/users/queries'

/** A plugin's view of its hub. */
export interface HubApi {
  /**
   * Follow everything committed (messages, edits, deletes, membership and room changes), in commit
   * order, right after it reached the sockets. Returns the unsubscribe.
   */
  subscribe(listener: HubEventListener): () => void
  /**
   * Act as an account of the plugin (kind 'bot' or 'bridge'; `scopes`: the only rooms it may use).
   * CHATHUB_USER_NOT_FOUND when it does not exist or is disabled.
   */
  actAs(account: string, options?: { scopes?: readonly string[] }): HubActor
}

/** Writes and reads as one account, checked like that account's client frames. */
export interface HubActor {
  readonly name: string
  /**
   * Become a member (join hooks run for a newcomer); where the room is now. Never an E2E room: it and
   * the reads below answer CHATHUB_E2E_ROOM_ENCRYPTED there.
   */
  join(room: string): Promise<{ room: string; seq: number; rev: number }>
  /** Resolves once stored (CHATHUB_RATE_LIMITED with retryAfter when over the account's rate). */
  say(input: SayInput): Promise<WriteAck>
  edit(room: string, seq: number, text: string): Promise<WriteAck>
  delete(room: string, seq: number): Promise<WriteAck>
  /** Add (or with `remove`, take back) a reaction; `ack.reaction` says whether anything changed. */
  react(room: string, seq: number, emoji: string, options?: { remove?: boolean }): Promise<WriteAck>
  /** A message as it is now, in a room this account may read; undefined when there is none. */
  message(room: string, seq: number): MessageView | undefined
  /** What a follower at `from` missed in a room this account may read: one page (see `more`). */
  catchUp(room: string, from: Cursor, limit?: number): CatchUpPage
  /**
   * Show this account online in a room it is a member of while it follows the room's events (as a
   * connected client would be). Returns the stop; call it when following ends.
   */
  follow(room: string): () => void
  /** The rooms this account sees (as the `rooms` frame lists them; direct ones included). */
  rooms(): RoomSummary[]
  /** A room's members and their roles (as the `members` frame lists them). */
  members(room: string): MemberView[]
}

/**
 * Catch up in a room from a cursor, then go live: every event a follower at `from` missed goes to
 * `onEvent`, a page at a time (other work runs between pages), and `live` runs in the same
 * synchronous step as the last page, so no commit falls between what was caught up and what the
 * event stream brings next. Resolves false, without going live, when `stopped()` turns true between
 * pages. The way bridges and bots resume after downtime.
 */
export const catchUpThenGoLive = async (
  actor: HubActor,
  room: string,
  from: Cursor,
  follower: { onEvent(event: CatchUpPage['events'][number]): void; live(): void; stopped(): boolean },
): Promise<boolean> => {
  let cursor = from
  for (;;) {
    const page = actor.catchUp(room, cursor)
    for (const event of page.events) follower.onEvent(event)
    if (!page.more) {
      follower.live()
      return true
    }
    // A follower without a rev takes no edits or deletes: it asks for none on later pages either.
    cursor = from.rev === undefined ? { since: page.seq } : { since: page.seq, rev: page.rev }
    await new Promise((resolve) => setImmediate(resolve))
    if (follower.stopped()) return false
  }
}

export const createHubApi =
  (hub: Hub) =>
  (plugin: string): HubApi => {
    const limiters = new Map<SessionUser['kind'], RateLimiterMemory>()
    const limiter = (kind: SessionUser['kind']): RateLimiterMemory => {
      let l = limiters.get(kind)
      if (!l) {
        const { perSecond, burst } = frameRate(hub.config.limits, kind)
        l = new RateLimiterMemory({ keyPrefix: `${plugin}:${kind}`, points: burst, duration: Math.max(1, Math.ceil(burst / perSecond)) })
        limiters.set(kind, l)
      }
      return l
    }
    // Asked before every write: one prepared statement (a query built per write cost ~0.1 ms).
    const disabledAt = hub.db.$client.prepare<[number], { disabled_at: number | null }>(
      'SELECT disabled_at FROM users WHERE id = ?',
    )
    const enabled = (userId: number) => {
      const row = disabledAt.get(userId)
      return row !== undefined && row.disabled_at === null
    }
    return {
      subscribe: (listener) => hub.events.subscribe(listener),
      actAs: (account, options = {}) => {
        const row = findUser(hub.db, account)
        if (!row || row.disabledAt !== null) throw coreErrors.userNotFound(account)
        const user: SessionUser = {
          sessionId: 0,
          userId: row.id,
          name: row.name,
          admin: false,
          kind: row.kind,
          scopes: options.scopes ? [...options.scopes] : undefined,
        }
        return actor(hub, plugin, user, limiter(row.kind), enabled)
      },
    }
  }

/**
 * Refuse to join an E2E room before anything changes; a room the account could not enter anyway
 * (out of its scopes, private without an invite) stays unknown, as `join` answers for it.
 */
const refuseJoinEncrypted = (hub: Hub, user: SessionUser, name: string): void => {
  const room = hub.rooms.find(name)
  if (!room?.e2e) return
  const entitled =
    !room.isPrivate || hub.rooms.roleOf(room, user.userId) !== undefined || hasInvite(hub.db, room.id, user.userId)
  if (!hub.rooms.inScope(user, room) || !entitled) throw coreErrors.roomNotFound(name)
  refuseEncrypted(room)
}

/** The room, if it is a clear one (CHATHUB_E2E_ROOM_ENCRYPTED otherwise). */
const clear = (room: RoomState): RoomState => {
  refuseEncrypted(room)
  return room
}

const actor = (
  hub: Hub,
  plugin: string,
  user: SessionUser,
  limiter: RateLimiterMemory,
  enabled: (userId: number) => boolean,
): HubActor => {
  /** Take one write from the account's budget, then run it; settles with its reply. */
  const write = async (run: (reply: Reply) => void | Promise<void>): Promise<WriteAck> => {
    // An account disabled (or removed) since the actor was made writes nothing more.
    if (!enabled(user.userId)) throw coreErrors.userDisabled()
    try {
      await limiter.consume(user.userId)
    } catch (res) {
      if (res instanceof RateLimiterRes) throw coreErrors.rateLimited(Math.max(1, Math.ceil(res.msBeforeNext / 1000)))
      throw res
    }
    return new Promise<WriteAck>((resolve, reject) => {
      const fail = (err: unknown) => {
        const known = chatErrorOf(err)
        if (!known) hub.log.error({ err, plugin, user: user.name }, 'plugin write failed')
        reject(known ?? coreErrors.internal())
      }
      try {
        const out = run({ ok: resolve, fail })
        if (out instanceof Promise) out.catch(fail)
      } catch (err) {
        fail(err)
      }
    })
  }
  return {
    name: user.name,
    join: async (name) => {
      refuseJoinEncrypted(hub, user, name)
      const room = await joinRoom(hub, user, name)
      return { room: room.name, seq: room.seq, rev: hub.messages.rev(room) }
    },
    say: (input) => write((reply) => say(hub, user, input, reply, performance.now())),
    edit: (room, seq, text) => write((reply) => edit(hub, user, { room, seq, text }, reply, performance.now())),
    delete: (room, seq) => write((reply) => remove(hub, user, { room, seq }, reply, performance.now())),
    react: (room, seq, emoji, options = {}) =>
      write((reply) => react(hub, user, { room, seq, emoji, ...options }, reply, performance.now())),
    message: (name, seq) => {
      const found = hub.messages.one(clear(hub.rooms.readable(user, name)), seq)
      if (!found) return undefined
      const { senderId: _id, ...view } = found
      return view
    },
    follow: (name) => hub.rooms.follow(clear(hub.rooms.membership(user, name).room), user),
    rooms: () => hub.rooms.list(user),
    members: (name) => hub.rooms.members(user, name),
    catchUp: (name, from, limit) => catchUp(hub.messages, clear(hub.rooms.readable(user, name)), from, Math.min(limit ?? hub.config.limits.replayMax, hub.config.limits.replayMax)),
  }
}
