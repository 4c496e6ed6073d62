// The writes of the admin commands, on an open data directory (also while hubs run on it): each method
// makes its change, records it in the change feed and appends its audit row in one write transaction,
// so that every running hub applies it within a poll (core/changes/watcher.ts), no hub ever sees one
// without the other, and nothing is changed that the audit log does not show.
import { appendAudit } from '#core/audit/audit-log'
import { issueSession, revokeSessionRows, revokeSessions } from '#core/auth/session-store'
import type { AttachmentStore } from '#core/attachments/storage'
import { type SweepOptions, type SweepReport, sweepAttachments } from '#core/attachments/sweep'
import { bridgeErrors } from '#core/bridges/errors'
import {
  type LinkRef,
  addLink,
  effectiveLinks,
  removeLink,
  splitTarget,
} from '#core/bridges/queries'
import { recordChange } from '#core/changes/feed'
import { type Db, writeTransaction } from '#core/db/client'
import {
  type MarkedRoom,
  type PurgeOptions,
  type PurgeReport,
  markRoomDeleted,
  purgeDeletedRooms,
} from '#core/db/room-purge'
import type { Role, Room } from '#core/db/schema/rooms'
import { e2eRoomsWithUser, queueRemoval } from '#core/e2e/queries'
import { type User, users } from '#core/db/schema/users'
import { ChatError } from '#core/errors'
import { GHOST } from '#core/retention/erase'
import { retentionErrors } from '#core/retention/errors'
import { type RetentionOptions, type RetentionReport, sweepRetention } from '#core/retention/sweep'
import { UserMessages, type UserMessagesReport } from '#core/retention/user-messages'
import { startReading } from '#core/reads/queries'
import { directErrors } from '#core/rooms/errors'
import * as rq from '#core/rooms/queries'
import { addAccount, type PasswordPolicy, setPassword } from '#core/users/accounts'
import { checkUserName, findUser, insertUser, requireUser } from '#core/users/queries'
import { eq } from '#drizzle'

/** A removed account and what became of its messages (kept anonymised, or erased). */
export interface UserRemoval extends UserMessagesReport {
  user: User
  erased: boolean
}

export interface MemberChange {
  room: string
  user: string
  role: Role
  /** The role before (null: was not a member). */
  previous: Role | null
}

/**
 * The admin writes, on one open database. Every CLI command that writes the data directory goes
 * through it; reads stay plain queries.
 *
 * @example
 * const admin = new AdminService(openDb(file))
 * admin.disableUser('bob') // bob's open sockets on every running hub close within a poll
 */
export class AdminService {
  /** `actor`: who the audit log names (the CLI: `data-dir`, anyone who can write the data directory). */
  constructor(
    private readonly db: Db,
    private readonly actor = 'data-dir',
  ) {}

  /** The audit row of a change; called inside the change's transaction (it nests as a savepoint). */
  private audit(action: string, target: string | null, detail?: Record<string, unknown>): void {
    appendAudit(this.db, { actor: this.actor, action, target, detail: detail ?? null })
  }

  // ---- users ------------------------------------------------------------------------------------

  /** Create an account (argon2id hash under the hub's policy). Feed: `user.added`. */
  addUser(
    input: { name: string; password: string; admin?: boolean },
    policy: PasswordPolicy,
  ): Promise<User> {
    checkUserName(input.name) // before the (slow) hashing
    return addAccount(this.db, input, policy, (user) =>
      this.audit('user.added', user.name, { admin: user.isAdmin }),
    )
  }

  /**
   * Set a new password and end every session of the user. Feed: `user.password_changed` (running hubs
   * close the user's sockets). A failed write leaves the old password with its sessions.
   */
  setPassword(name: string, password: string, policy: PasswordPolicy): Promise<User> {
    return setPassword(this.db, name, password, policy, (user) => this.audit('user.password_changed', user.name))
  }

  /** Block logins and end every session. Feed: `user.disabled` (running hubs close the sockets). */
  disableUser(name: string): User {
    return writeTransaction(this.db, (tx) => {
      const user = requireUser(this.db, name)
      tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id)).run()
      revokeSessionRows(tx, { userId: user.id })
      recordChange(tx, { kind: 'user.disabled', userId: user.id })
      this.audit('user.disabled', user.name)
      return user
    })
  }

  /** Let a disabled account log in again. Feed: `user.enabled`. */
  enableUser(name: string): User {
    return writeTransaction(this.db, (tx) => {
      const user = requireUser(this.db, name)
      tx.update(users).set({ disabledAt: null }).where(eq(users.id, user.id)).run()
      recordChange(tx, { kind: 'user.enabled', userId: user.id })
      this.audit('user.enabled', user.name)
      return user
    })
  }

  /**
   * Delete an account. Its messages stay, anonymised (their sender becomes the `~deleted` account),
   * or with `erase` are deleted for good with their attachments, reactions, mentions, search entries
   * and bridge ledger rows (core/retention/user-messages.ts): first in short batches, then what is
   * left in the one transaction that deletes the account (its sessions, memberships, reactions, read
   * markers and unsent uploads go by cascade). Feed: `user.removed` (running hubs close the sockets)
   * and, with erase, `messages.swept` for each room it erased from. Audit: `user.erased` (with erase,
   * the counts) and `user.removed`. Interrupted, it leaves the account with part of its messages
   * handled; running it again finishes.
   */
  async removeUser(name: string, options: { erase?: boolean } = {}): Promise<UserRemoval> {
    const found = requireUser(this.db, name)
    if (found.name === GHOST) throw retentionErrors.ghostReserved(name)
    const erased = options.erase === true
    const messages = new UserMessages(this.db, found.id, erased ? 'erase' : 'keep')
    await messages.run()
    return writeTransaction(this.db, (tx) => {
      const user = requireUser(this.db, name) // still there (another process may have removed it)
      const rooms = messages.finish()
      // E2E rooms: the account's leaves wait for a member's Commit to remove them (core/e2e/membership.ts).
      for (const roomId of e2eRoomsWithUser(this.db, user.id)) {
        queueRemoval(this.db, roomId, user)
        recordChange(tx, { kind: 'room.changed', roomId, userId: user.id })
      }
      tx.delete(users).where(eq(users.id, user.id)).run()
      recordChange(tx, { kind: 'user.removed', userId: user.id })
      for (const room of rooms) recordChange(tx, { kind: 'messages.swept', roomId: room.id })
      const { report } = messages
      if (erased) this.audit('user.erased', user.name, { ...report })
      this.audit('user.removed', user.name, { messages: report.messages, erased })
      return { user, erased, ...report }
    })
  }

  /** End every session of a user (e.g. for a plugin's admin write). Feed: `sessions.revoked`. */
  revokeSessions(userId: number): void {
    revokeSessions(this.db, { userId })
  }

  /**
   * A long-lived token for an external bot, scoped to `rooms`; the bot account is created when
   * missing. Returned once (stored hashed). Feed: `token.issued`.
   */
  issueBotToken(name: string, rooms: readonly string[]): { user: User; token: string } {
    for (const room of rooms) rq.checkRoomName(room)
    return writeTransaction(this.db, (tx) => {
      const user =
        findUser(this.db, name) ?? insertUser(this.db, { name, passwordHash: null, kind: 'bot' })
      if (user.kind !== 'bot') {
        throw new ChatError(
          'BOTS_NAME_TAKEN',
          `The account "${name}" exists and is not a bot; pick another name.`,
        )
      }
      const issued = issueSession(this.db, user.id, {
        ttlMs: null,
        kind: 'bot',
        scopes: [...rooms],
        label: 'external bot',
      })
      recordChange(tx, { kind: 'token.issued', userId: user.id, sessionId: issued.sessionId })
      this.audit('token.issued', user.name, { rooms: [...rooms] })
      return { user, token: issued.token }
    })
  }

  // ---- rooms ------------------------------------------------------------------------------------

  /**
   * Create a public or private room, optionally with an owner. Feed: `room.created`. Never an
   * end-to-end encrypted one: its MLS group is made on a member's device (`create` with `e2e`).
   */
  createRoom(input: { name: string; isPrivate: boolean; topic: string; owner?: string }): Room {
    rq.checkTopic(input.topic)
    return writeTransaction(this.db, (tx) => {
      const ownerId = input.owner === undefined ? null : requireUser(this.db, input.owner).id
      const room = rq.createRoom(this.db, {
        name: input.name,
        isPrivate: input.isPrivate,
        topic: input.topic,
        ownerId,
      })
      recordChange(tx, { kind: 'room.created', roomId: room.id, userId: ownerId })
      this.audit('room.created', room.name, { private: input.isPrivate, owner: input.owner ?? null })
      return room
    })
  }

  /**
   * Change a room's topic, privacy, read receipts and/or retention (`retentionDays`: days, 0 forever,
   * null the hub's retention.days; see core/retention/policy.ts). Feed: `room.changed` (running hubs
   * enforce the new privacy at once, and start or stop announcing receipts; their retention sweeper
   * reads the policy at each sweep). Direct conversations have none of these.
   */
  updateRoom(
    name: string,
    settings: { topic?: string; isPrivate?: boolean; readReceipts?: boolean; retentionDays?: number | null },
  ): Room {
    if (settings.topic !== undefined) rq.checkTopic(settings.topic)
    return writeTransaction(this.db, (tx) => {
      const what =
        settings.retentionDays === undefined ? 'change its topic or privacy' : 'give it a retention (it follows retention.days)'
      const room = this.adminRoom(name, what)
      rq.updateRoomSettings(this.db, room.id, settings)
      recordChange(tx, { kind: 'room.changed', roomId: room.id })
      this.audit('room.changed', room.name, { ...settings })
      return rq.requireRoom(this.db, name)
    })
  }

  /**
   * Make `user` a member of the room with `role` (or change their role), lifting a pending invite or
   * a ban. Feed: `room.changed` (running hubs reload the members and tell the followers).
   */
  setMember(roomName: string, userName: string, role: Role): MemberChange {
    return writeTransaction(this.db, (tx) => {
      const room = this.adminRoom(roomName, 'add members or change roles')
      const user = requireUser(this.db, userName)
      const previous = rq.memberRole(this.db, room.id, user.id) ?? null
      if (previous === null) {
        rq.addMember(this.db, room.id, user.id, role)
        startReading(this.db, user.id, room.id)
      } else if (previous !== role) rq.setRole(this.db, room.id, user.id, role)
      rq.removeBan(this.db, room.id, user.id)
      recordChange(tx, { kind: 'room.changed', roomId: room.id, userId: user.id })
      this.audit('room.member_set', user.name, { room: room.name, role, previous })
      return { room: room.name, user: user.name, role, previous }
    })
  }

  /**
   * Take `user` out of the room. Feed: `room.changed` (running hubs stop sending them the room and
   * tell its followers); CHATHUB_ROOM_NOT_MEMBER when they are not a member.
   */
  removeMember(roomName: string, userName: string): MemberChange {
    return writeTransaction(this.db, (tx) => {
      const room = this.adminRoom(roomName, 'remove members')
      const user = requireUser(this.db, userName)
      const previous = rq.memberRole(this.db, room.id, user.id)
      if (previous === undefined) {
        throw new ChatError(
          'CHATHUB_ROOM_NOT_MEMBER',
          `User "${user.name}" is not a member of "${room.name}".`,
          404,
        )
      }
      rq.removeMember(this.db, room.id, user.id)
      queueRemoval(this.db, room.id, user)
      recordChange(tx, { kind: 'room.changed', roomId: room.id, userId: user.id })
      this.audit('room.member_removed', user.name, { room: room.name, role: previous })
      return { room: room.name, user: user.name, role: previous, previous }
    })
  }

  /**
   * Delete a room (or a direct conversation) with its history: it disappears at once (one short
   * transaction with the `room.deleted` row: running hubs drop it), then its rows go in short
   * batches (core/db/room-purge.ts), also those of deletions cut short earlier.
   */
  async deleteRoom(
    name: string,
    options: PurgeOptions = {},
  ): Promise<{ marked: MarkedRoom; purged: PurgeReport }> {
    const marked = writeTransaction(this.db, () => {
      const room = markRoomDeleted(this.db, name)
      this.audit('room.deleted', name, { kind: room.kind, members: room.members.length })
      return room
    })
    return { marked, purged: await purgeDeletedRooms(this.db, options) }
  }

  // ---- bridges ----------------------------------------------------------------------------------

  /**
   * Link a room to a bridge target (checked by the caller: the networks are plugins). `configured`:
   * the config file's links of the target's network. Feed: `bridge.linked` (the bridge runner of a
   * running hub also polls the link table).
   */
  linkBridge(room: string, target: string, configured: readonly LinkRef[]): void {
    writeTransaction(this.db, (tx) => {
      const row = rq.requireRoom(this.db, room)
      // In force already (from the config file, or linked before)? A config link unlinked earlier is linked again.
      const { network } = splitTarget(target)
      if (
        effectiveLinks(this.db, network, configured).some(
          (l) => l.room === room && l.target === target,
        )
      ) {
        throw bridgeErrors.linkExists(room, target)
      }
      addLink(this.db, room, target)
      recordChange(tx, { kind: 'bridge.linked', roomId: row.id })
      this.audit('bridge.linked', room, { target })
    })
  }

  /**
   * Remove a link; `configured`: whether the config file has it (a tombstone then hides it).
   * Feed: `bridge.unlinked`.
   */
  unlinkBridge(room: string, target: string, configured: boolean): void {
    writeTransaction(this.db, (tx) => {
      removeLink(this.db, room, target, configured)
      recordChange(tx, { kind: 'bridge.unlinked', roomId: rq.findRoom(this.db, room)?.id ?? null })
      this.audit('bridge.unlinked', room, { target })
    })
  }

  // ---- plugins ----------------------------------------------------------------------------------

  /**
   * Run a plugin's admin write (its own tables, through `db`) in one write transaction with a
   * `plugin.<name>` feed row. The write must be synchronous; it may call other methods of this
   * service (their rows join the same transaction). Nothing of it is kept when it throws. `audit`:
   * the audit row, when the plugin's write does not append its own (action `<plugin>.<verb>`).
   */
  pluginChange<T>(
    plugin: string,
    write: () => T,
    subject: { userId?: number; roomId?: number } = {},
    audit?: (result: T) => { action: string; target: string | null; detail?: Record<string, unknown> },
  ): T {
    return writeTransaction(this.db, (tx) => {
      const result = write()
      recordChange(tx, { kind: `plugin.${plugin}`, ...subject })
      const row = audit?.(result)
      if (row) this.audit(`${plugin}.${row.action}`, row.target, row.detail)
      return result
    })
  }

  // ---- attachments ------------------------------------------------------------------------------

  /**
   * One attachment sweep, the one a hub runs on its own timer. No feed row: it deletes only rows and
   * files nothing refers to, which no hub holds in memory (a hub's quota ledger re-reads what is
   * stored at each user's next upload), and cron may run it every minute.
   */
  pruneAttachments(store: AttachmentStore, options: SweepOptions): Promise<SweepReport> {
    return sweepAttachments(this.db, store, options)
  }

  // ---- retention --------------------------------------------------------------------------------

  /**
   * One retention sweep (the one a hub runs every retention.sweepIntervalSeconds), audited
   * (`retention.swept`) with this service's actor. Its files go with the attachment sweep that
   * should follow (pruneAttachments). Feed: `messages.swept` for each room it deleted from.
   */
  sweepRetention(options: Omit<RetentionOptions, 'actor'>): Promise<RetentionReport> {
    return sweepRetention(this.db, { ...options, actor: this.actor })
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A room an admin may change: named as a client would (not a deletion tombstone), not direct. */
  private adminRoom(name: string, what: string): Room {
    rq.checkRoomName(name)
    const room = rq.requireRoom(this.db, name)
    if (room.kind === 'direct') throw directErrors.fixed(what)
    return room
  }
}
