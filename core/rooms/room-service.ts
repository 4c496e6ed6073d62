// Rooms inside a running hub: the cached RoomState, who may do what (roles, private rooms, bans,
// direct conversations), membership changes, presence, and fan-out of events to the connections
// that follow a room.
import { appendAudit } from '#core/audit/audit-log'
import type { SessionUser } from '#core/auth/session-store'
import type { BufferBound } from '#core/connections/buffer-bound'
import type { Connection } from '#core/connections/connection'
import { sendFramed, textFrame } from '#core/connections/frame-writer'
import { type Db, writeTransaction } from '#core/db/client'
import type { Role } from '#core/db/schema/rooms'
import { groupOf, groupView } from '#core/e2e/group'
import { coreErrors } from '#core/errors'
import type { EventFrame, InviteView, MemberView, RoomSummary } from '#core/protocol/messages'
import type { MembershipEvent, RoomEvent } from '#core/messages/events'
import { startReading } from '#core/reads/queries'
import { findUser, findUserById } from '#core/users/queries'
import { type NewDirect, openDirectRoom } from './direct.ts'
import { directErrors } from './errors.ts'
import { PresenceBatcher, type PresenceStatus } from './presence.ts'
import * as q from './queries.ts'
import { RoomState } from './room-state.ts'

const RANK: Record<Role, number> = { owner: 3, moderator: 2, member: 1 }

/**
 * A user's `typing` in a room is relayed to its followers at most this often; more are acked and
 * dropped. Clients resend every few seconds while typing (the CLI every 3 s) and expire the
 * indicator themselves, so nothing is lost — but one client cannot make every follower of a big
 * room take a write per keystroke.
 */
export const TYPING_RELAY_MS = 2000

/** Names of who is online a join ack carries at most (with the count of everyone). */
export const ONLINE_IN_JOIN = 50

export interface FanoutStats {
  delivered(n: number): void
}

/** Hands a committed membership or room change to delivery (its wire frame, then the event stream). */
export type Announce = (
  room: RoomState,
  event: Omit<MembershipEvent, 'roomSeq'> | Omit<RoomEvent, 'roomSeq'>,
  frame?: EventFrame,
) => void

export class RoomService {
  private readonly byName = new Map<string, RoomState>()
  private readonly byId = new Map<number, RoomState>()
  private readonly presence: PresenceBatcher

  constructor(
    private readonly db: Db,
    private readonly maxSeq: (roomId: number) => number,
    limits: { presenceBatchMs: number },
    /** limits.maxBufferedBytes, shared with every other write to the connections. */
    private readonly bound: BufferBound,
    private readonly stats: FanoutStats,
    private readonly announceChange: Announce,
  ) {
    this.presence = new PresenceBatcher((room, changes) => this.announce(room, changes), limits.presenceBatchMs)
  }

  /** The room by name, loaded on first use; undefined if it does not exist. */
  find(name: string): RoomState | undefined {
    let room = this.byName.get(name)
    if (room) return room
    const row = q.findRoom(this.db, name)
    if (!row) return undefined
    room = new RoomState(row.id, row.name, row.isPrivate, row.topic, this.maxSeq(row.id), row.kind)
    room.readReceipts = row.readReceipts
    room.e2e = groupOf(row)
    this.byName.set(name, room)
    this.byId.set(room.id, room)
    return room
  }

  findById(id: number): RoomState | undefined {
    return this.byId.get(id)
  }

  private membersOf(room: RoomState): Map<number, Role> {
    if (!room.members) {
      room.members = new Map(q.listMembers(this.db, room.id).map((m) => [m.userId, m.role]))
    }
    return room.members
  }

  roleOf(room: RoomState, userId: number): Role | undefined {
    return this.membersOf(room).get(userId)
  }

  /** A room the user may see: public, or private with the user a member. Scoped tokens see only their rooms. */
  visible(user: SessionUser, name: string): RoomState {
    const room = this.find(name)
    if (!room || !this.canSee(user, room)) throw coreErrors.roomNotFound(name)
    return room
  }

  private canSee(user: SessionUser, room: RoomState): boolean {
    if (!this.inScope(user, room)) return false
    return !room.isPrivate || this.roleOf(room, user.userId) !== undefined
  }

  /**
   * A scoped (bot) token reaches the rooms it names and the direct conversations of its own
   * account — never another room, however public.
   */
  inScope(user: SessionUser, room: RoomState): boolean {
    if (!user.scopes || user.scopes.includes(room.name)) return true
    return room.kind === 'direct' && this.roleOf(room, user.userId) !== undefined
  }

  /** Refuse what a direct room cannot have (invites, kicks, bans, roles, leaving); others pass. */
  private notDirect(room: RoomState, what: string): void {
    if (room.kind === 'direct') throw directErrors.fixed(what)
  }

  /** A room whose messages the user may read: public and visible to them, or private with them a member. */
  readable(user: SessionUser, name: string): RoomState {
    const room = this.visible(user, name)
    if (room.isPrivate) this.membership(user, name)
    return room
  }

  /** A room the user belongs to (for sending, editing, typing); private rooms stay invisible to others. */
  membership(user: SessionUser, name: string): { room: RoomState; role: Role } {
    const room = this.visible(user, name)
    const role = this.roleOf(room, user.userId)
    if (!role) throw coreErrors.notMember(name)
    return { room, role }
  }

  /** At least moderator in the room. */
  moderator(user: SessionUser, name: string, what: string): { room: RoomState; role: Role } {
    const m = this.membership(user, name)
    this.notDirect(m.room, what)
    if (RANK[m.role] < RANK.moderator) throw coreErrors.forbidden(what)
    return m
  }

  /** `e2e`: an end-to-end encrypted room with this new MLS group (core/e2e/group.ts). */
  create(
    user: SessionUser,
    name: string,
    isPrivate: boolean,
    topic: string,
    usersCanCreate: boolean,
    e2e?: { suite: number; group: Buffer },
  ): RoomState {
    if (user.scopes) throw coreErrors.forbidden('create rooms with a scoped token')
    if (!usersCanCreate && !user.admin) throw coreErrors.forbidden('create rooms (only admins may here)')
    writeTransaction(this.db, () => {
      q.createRoom(this.db, { name, isPrivate, topic, ownerId: user.userId, e2e })
      const detail = { private: isPrivate, owner: user.name, ...(e2e ? { e2e: true } : {}) }
      appendAudit(this.db, { actor: user.name, action: 'room.created', target: name, detail })
    })
    const room = this.find(name)
    if (!room) throw coreErrors.internal()
    this.announceChange(room, { type: 'room', room: room.name, change: 'created' })
    return room
  }

  /** Make the user a member (public room, or private with an invite). Returns true when newly joined. */
  join(user: SessionUser, name: string): RoomState {
    const room = this.find(name)
    if (!room || !this.inScope(user, room)) throw coreErrors.roomNotFound(name)
    const members = this.membersOf(room)
    if (members.has(user.userId)) return room
    // Nobody joins a direct conversation: its two participants are members from the start.
    if (room.kind === 'direct') throw coreErrors.roomNotFound(name)
    if (q.isBanned(this.db, room.id, user.userId)) {
      if (room.isPrivate) throw coreErrors.roomNotFound(name)
      throw coreErrors.banned(name)
    }
    if (room.isPrivate && !q.hasInvite(this.db, room.id, user.userId)) throw coreErrors.roomNotFound(name)
    q.addMember(this.db, room.id, user.userId)
    startReading(this.db, user.userId, room.id, room.seq)
    members.set(user.userId, 'member')
    this.announceChange(
      room,
      { type: 'membership', room: room.name, user: user.name, change: 'joined' },
      { type: 'joined', room: room.name, user: user.name },
    )
    return room
  }

  leave(user: SessionUser, name: string, connections: Iterable<Connection>): void {
    const { room } = this.membership(user, name)
    this.notDirect(room, 'leave')
    q.removeMember(this.db, room.id, user.userId)
    this.membersOf(room).delete(user.userId)
    for (const conn of connections) this.unsubscribe(conn, room)
    this.announceChange(
      room,
      { type: 'membership', room: room.name, user: user.name, change: 'left' },
      { type: 'left', room: room.name, user: user.name },
    )
  }

  subscribe(conn: Connection, room: RoomState): void {
    if (room.subscribers.has(conn) || !conn.user) return
    room.subscribers.add(conn)
    conn.rooms.add(room)
    this.online(room, conn.user)
  }

  unsubscribe(conn: Connection, room: RoomState): void {
    if (!room.subscribers.delete(conn) || !conn.user) return
    conn.rooms.delete(room)
    this.offline(room, conn.user)
  }

  /**
   * An in-process follower (a bridge link, a bot) counts as online like a connection does: people
   * in the room see who reads it. Returns the stop.
   */
  follow(room: RoomState, user: { userId: number; name: string }): () => void {
    this.online(room, user)
    let following = true
    return () => {
      if (!following) return
      following = false
      this.offline(room, user)
    }
  }

  /** One more connection or follower of the user in the room; the first announces them online. */
  private online(room: RoomState, user: { userId: number; name: string }): void {
    const seen = room.online.get(user.userId)
    if (seen) seen.connections++
    else {
      room.online.set(user.userId, { name: user.name, connections: 1 })
      this.presence.change(room, user.name, 'online')
    }
  }

  private offline(room: RoomState, user: { userId: number; name: string }): void {
    const seen = room.online.get(user.userId)
    if (seen && --seen.connections > 0) return
    room.online.delete(user.userId)
    room.typingRelayedAt.delete(user.userId)
    this.presence.change(room, user.name, 'offline')
  }

  /** Whether this `typing` is relayed (see TYPING_RELAY_MS); records it when it is. */
  typingDue(room: RoomState, userId: number, now: number): boolean {
    const last = room.typingRelayedAt.get(userId)
    if (last !== undefined && now - last < TYPING_RELAY_MS) return false
    room.typingRelayedAt.set(userId, now)
    return true
  }

  /** A batch of presence changes of one room: one write per follower however many there are. */
  private announce(room: RoomState, changes: ReadonlyMap<string, PresenceStatus>): void {
    const send = () => {
      for (const [user, status] of changes) this.broadcast(room, { type: 'presence', room: room.name, user, status })
    }
    // A single change is one frame anyway (and may be announced from inside another corked batch).
    if (changes.size === 1) send()
    else this.corked([room], send)
  }

  /** Stop announcing (the hub is closing). */
  close(): void {
    this.presence.close()
  }

  /**
   * Who is online in `room` for a join ack: how many, and the names of the first `ONLINE_IN_JOIN` to
   * arrive (sorted). A join costs the same in a room of ten or of ten thousand; the `members`
   * frame lists everyone, and `presence` events follow the changes.
   */
  onlineSummary(room: RoomState): { online: string[]; onlineCount: number } {
    const online: string[] = []
    for (const { name } of room.online.values()) {
      if (online.length === ONLINE_IN_JOIN) break
      online.push(name)
    }
    return { online: online.sort(), onlineCount: room.online.size }
  }

  /** Public rooms and the user's private ones. */
  list(user: SessionUser): RoomSummary[] {
    return q
      .visibleRooms(this.db, user.userId)
      .filter((r) => !user.scopes || user.scopes.includes(r.name) || (r.kind === 'direct' && r.role !== null))
      .map((r) => {
        const state = this.find(r.name)
        const summary: RoomSummary = {
          name: r.name,
          private: r.private,
          kind: r.kind,
          topic: r.topic,
          members: state ? this.membersOf(state).size : 0,
          seq: state?.seq ?? 0,
        }
        if (r.peer !== null) summary.peer = r.peer
        if (r.role) summary.role = r.role
        if (state?.e2e) summary.e2e = groupView(state.e2e)
        return summary
      })
  }

  /** The user's pending invitations (a scoped token: only to the rooms it names). */
  invites(user: SessionUser): InviteView[] {
    return q
      .pendingInvites(this.db, user.userId)
      .filter((r) => !user.scopes || user.scopes.includes(r.name))
      .map((r) => {
        const state = this.find(r.name)
        const view: InviteView = {
          room: r.name,
          private: r.private,
          topic: r.topic,
          members: state ? this.membersOf(state).size : 0,
          seq: state?.seq ?? 0,
          at: r.at.getTime(),
        }
        if (r.by !== null) view.by = r.by
        return view
      })
  }

  members(user: SessionUser, name: string): MemberView[] {
    const room = this.visible(user, name)
    return q.listMembers(this.db, room.id).map((m) => ({
      user: m.user,
      role: m.role,
      online: room.online.has(m.userId),
    }))
  }

  invite(user: SessionUser, name: string, target: string, notify: (userId: number, frame: EventFrame) => void): void {
    const { room, role } = this.membership(user, name)
    this.notDirect(room, 'invite people')
    if (room.isPrivate && RANK[role] < RANK.moderator) throw coreErrors.forbidden(`invite people to "${name}"`)
    const invitee = findUser(this.db, target)
    if (!invitee) throw coreErrors.userNotFound(target)
    if (this.membersOf(room).has(invitee.id)) return
    q.addInvite(this.db, room.id, invitee.id, user.userId)
    notify(invitee.id, { type: 'invited', room: room.name, by: user.name })
    this.announceChange(room, { type: 'membership', room: room.name, user: invitee.name, change: 'invited', by: user.name })
  }

  /** Remove a member (and optionally ban them); their open connections stop receiving the room at once. */
  kick(
    user: SessionUser,
    name: string,
    target: string,
    options: { ban: boolean; reason: string },
    connectionsOf: (userId: number) => Iterable<Connection>,
  ): void {
    const { room, role } = this.moderator(user, name, options.ban ? `ban people from "${name}"` : `kick people from "${name}"`)
    const victim = findUser(this.db, target)
    if (!victim) throw coreErrors.userNotFound(target)
    if (victim.id === user.userId) throw coreErrors.forbidden('kick or ban yourself; leave the room instead')
    const victimRole = this.roleOf(room, victim.id)
    if (victimRole && RANK[victimRole] >= RANK[role]) {
      throw coreErrors.forbidden(`remove ${victimRole === 'owner' ? 'an' : 'a'} ${victimRole} of "${name}"`)
    }
    if (!victimRole && !options.ban) throw coreErrors.notMember(`${name}" for "${target}`)
    // The ban, the removal and the audit row in one transaction.
    writeTransaction(this.db, () => {
      if (options.ban) q.addBan(this.db, room.id, victim.id, user.userId, options.reason)
      if (victimRole) q.removeMember(this.db, room.id, victim.id)
      const detail = { room: room.name, ...(options.reason ? { reason: options.reason } : {}) }
      appendAudit(this.db, { actor: user.name, action: options.ban ? 'room.banned' : 'room.kicked', target: victim.name, detail })
    })
    if (!victimRole) return
    this.membersOf(room).delete(victim.id)
    const frame: EventFrame = { type: 'kicked', room: room.name, by: user.name, reason: options.reason, banned: options.ban }
    for (const conn of connectionsOf(victim.id)) {
      this.unsubscribe(conn, room)
      conn.send(frame)
    }
    this.announceChange(
      room,
      { type: 'membership', room: room.name, user: victim.name, change: options.ban ? 'banned' : 'kicked', by: user.name },
      { type: 'left', room: room.name, user: victim.name },
    )
  }

  unban(user: SessionUser, name: string, target: string): void {
    const { room } = this.moderator(user, name, `unban people in "${name}"`)
    const victim = findUser(this.db, target)
    if (!victim) throw coreErrors.userNotFound(target)
    writeTransaction(this.db, () => {
      q.removeBan(this.db, room.id, victim.id)
      appendAudit(this.db, { actor: user.name, action: 'room.unbanned', target: victim.name, detail: { room: room.name } })
    })
  }

  /** Set the topic: moderators and owners, as for kicks (not in direct rooms). Unchanged: no event. */
  setTopic(user: SessionUser, name: string, topic: string): RoomState {
    const { room } = this.moderator(user, name, `set the topic of "${name}"`)
    q.checkTopic(topic)
    if (topic === room.topic) return room
    writeTransaction(this.db, () => {
      q.updateRoomSettings(this.db, room.id, { topic })
      appendAudit(this.db, { actor: user.name, action: 'room.topic_changed', target: room.name, detail: { topic } })
    })
    room.topic = topic
    this.announceTopic(room, user.name)
    return room
  }

  /** The `topic` event to the followers, then the `room` change to the event stream. */
  private announceTopic(room: RoomState, by: string): void {
    this.announceChange(
      room,
      { type: 'room', room: room.name, change: 'topic', topic: room.topic, by },
      { type: 'topic', room: room.name, topic: room.topic, by },
    )
  }

  setRole(user: SessionUser, name: string, target: string, role: 'moderator' | 'member'): void {
    const m = this.membership(user, name)
    this.notDirect(m.room, 'change roles')
    if (m.role !== 'owner') throw coreErrors.forbidden(`change roles in "${name}" (owners only)`)
    const member = findUser(this.db, target)
    const current = member ? this.roleOf(m.room, member.id) : undefined
    if (!member || !current) throw coreErrors.userNotFound(target)
    if (current === 'owner') throw coreErrors.forbidden('change the role of an owner')
    writeTransaction(this.db, () => {
      q.setRole(this.db, m.room.id, member.id, role)
      const detail = { room: m.room.name, role, previous: current }
      appendAudit(this.db, { actor: user.name, action: 'room.role_changed', target: member.name, detail })
    })
    this.membersOf(m.room).set(member.id, role)
  }

  /**
   * The direct conversation of `user` with `peer`, created on first use (`fresh` says what a new one
   * is: clear, or end-to-end encrypted with its group). A scoped (bot) token may open one too: the
   * conversation is its own account's.
   */
  /** `fresh(peerKind)`: what a new conversation is (NewDirect), knowing whether the peer is a person, a bot or a bridge. */
  openDirect(
    user: SessionUser,
    peer: string,
    fresh?: (peerKind: 'person' | 'bot' | 'bridge') => ReturnType<NewDirect>,
  ): { room: RoomState; peer: string; created: boolean } {
    const other = findUser(this.db, peer)
    if (!other) throw coreErrors.userNotFound(peer)
    if (other.id === user.userId) throw directErrors.self()
    if (other.disabledAt !== null) throw directErrors.peerDisabled(peer)
    const { room: row, created } = openDirectRoom(this.db, user.userId, other.id, fresh && (() => fresh(other.kind)))
    const room = this.find(row.name)
    if (!room) throw coreErrors.internal()
    return { room, peer: other.name, created }
  }

  /**
   * Make every open connection of a direct room's participants follow it, so a conversation reaches
   * the other side without a `join` (called before each event in a direct room); other rooms: no-op.
   */
  reachDirect(room: RoomState, connectionsOf: (userId: number) => Iterable<Connection>): void {
    if (room.kind !== 'direct') return
    for (const userId of this.membersOf(room).keys()) {
      for (const conn of connectionsOf(userId)) if (!conn.closing) this.subscribe(conn, room)
    }
  }

  /** Forget a room deleted elsewhere (admin CLI): its followers are told and unsubscribed. */
  dropRoom(id: number): void {
    const room = this.byId.get(id)
    if (!room) return
    const frame: EventFrame = { type: 'kicked', room: room.name, by: 'admin', reason: 'room deleted', banned: false }
    for (const conn of [...room.subscribers]) {
      conn.rooms.delete(room)
      conn.send(frame)
    }
    room.subscribers.clear()
    this.byId.delete(id)
    this.byName.delete(room.name)
    this.announceChange(room, { type: 'room', room: room.name, change: 'deleted' })
  }

  /** Forget cached state of a room changed elsewhere (membership, privacy). */
  invalidate(id: number): void {
    const room = this.byId.get(id)
    if (room) room.members = undefined
  }

  /**
   * A room changed outside this hub (admin CLI: topic, privacy, members): bring the cached room in
   * line with the database. Followers who are no longer members stop following it and get `kicked`
   * (by "admin"); the others see `topic`, `left`/`joined`, and the event stream gets the room and
   * membership changes, as for the same change made here. A room not cached is read afresh on first use anyway.
   */
  reload(id: number): void {
    const room = this.byId.get(id)
    if (!room) return
    const row = q.findRoomById(this.db, id)
    // Gone, or already a deletion tombstone: its `room.deleted` row follows.
    if (!row || row.name !== room.name) return this.dropRoom(id)
    const topicChanged = row.topic !== room.topic
    const receiptsChanged = row.readReceipts !== room.readReceipts
    room.isPrivate = row.isPrivate
    room.topic = row.topic
    room.readReceipts = row.readReceipts
    const before = room.members
    const members = q.listMembers(this.db, id)
    const now = new Map(members.map((m) => [m.userId, m.role]))
    room.members = now
    const removed: EventFrame = { type: 'kicked', room: room.name, by: 'admin', reason: 'removed by an admin', banned: false }
    for (const conn of [...room.subscribers]) {
      if (!conn.user || now.has(conn.user.userId)) continue
      this.unsubscribe(conn, room)
      conn.send(removed)
    }
    if (topicChanged) this.announceTopic(room, 'admin')
    if (receiptsChanged) {
      this.announceChange(
        room,
        { type: 'room', room: room.name, change: 'receipts', readReceipts: room.readReceipts, by: 'admin' },
        { type: 'receipts', room: room.name, enabled: room.readReceipts, by: 'admin' },
      )
    }
    // Who was taken out or put in, when the hub knew the members before.
    if (!before) return
    for (const userId of before.keys()) {
      const name = now.has(userId) ? undefined : findUserById(this.db, userId)?.name
      if (!name) continue
      this.announceChange(
        room,
        { type: 'membership', room: room.name, user: name, change: 'kicked', by: 'admin' },
        { type: 'left', room: room.name, user: name },
      )
    }
    for (const m of members) {
      if (before.has(m.userId)) continue
      this.announceChange(
        room,
        { type: 'membership', room: room.name, user: m.user, change: 'joined' },
        { type: 'joined', room: room.name, user: m.user },
      )
    }
  }

  /** Run `fn` with the followers' sockets corked: everything it sends to one socket leaves in one write. */
  corked(rooms: Iterable<RoomState>, fn: () => void): void {
    // While corked, bufferedAmount grows with this batch even for a fast reader: judge slowness by
    // what was still queued before the batch (so the bound is maxBufferedBytes plus one batch).
    const backlog = new Map<Connection['ws'], number>()
    for (const room of rooms) {
      for (const conn of room.subscribers) if (!backlog.has(conn.ws)) backlog.set(conn.ws, conn.ws.bufferedAmount)
    }
    this.bound.during(backlog, fn)
  }

  /** Serialise once, send the same bytes to every follower; a follower over its buffer bound is dropped. */
  broadcast(room: RoomState, event: EventFrame): number {
    if (room.subscribers.size === 0) return 0
    const bound = this.bound
    const max = bound.maxBytes
    const frame = textFrame(JSON.stringify(event))
    let sent = 0
    for (const conn of room.subscribers) {
      const ws = conn.ws
      if (ws.readyState !== 1) continue
      if (bound.queued(ws) > max) {
        bound.refuse(conn)
        continue
      }
      sendFramed(ws, frame)
      sent++
    }
    this.stats.delivered(sent)
    return sent
  }
}
