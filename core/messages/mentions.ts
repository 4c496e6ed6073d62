// Mentions: `@name` of a member of the room, and `@room` (every member) from its moderators and owner.
// Resolved once, in the write path (core/messages/writes.ts, for clients, bots and bridges alike);
// the rows go into `mentions` in the message's own commit (message-store.ts) and delivery sends a
// `mention` event to each mentioned user. A message view names who it mentions.
import type { Db, Sqlite } from '#core/db/client'
import type { Role } from '#core/db/schema/rooms'
import * as rq from '#core/rooms/queries'
import type { RoomState } from '#core/rooms/room-state'
import { findUser } from '#core/users/queries'

/**
 * `@` and a user name (`[a-z0-9][a-z0-9._-]{0,31}`, any case), not inside a word, an e-mail address or
 * a path (`bob@example.org`, `/@bob`), and not running on into more name (a 33rd character, another `@`).
 */
const MENTION = /(?<![\p{L}\p{N}_.+@/-])@([A-Za-z0-9][A-Za-z0-9._-]{0,31})(?![\p{L}\p{N}_.@-])/gu

/** Names looked up per message at most; a message naming more mentions only the first ones. */
export const MAX_NAMES = 50

/** `@room`: everyone in the room, from a moderator or owner; from anyone else, plain text. */
export const ROOM_MENTION = 'room'

/**
 * The names a text mentions, lowercased, each once, in order of appearance (at most MAX_NAMES). A
 * name followed by sentence punctuation (`@bob.`) is found as written; resolving tries it without.
 */
export const mentionedNames = (text: string): string[] => {
  if (!text.includes('@')) return []
  const names = new Set<string>()
  for (const match of text.matchAll(MENTION)) {
    const name = (match[1] ?? '').toLowerCase()
    // `@room.` at the end of a sentence is `@room` too.
    names.add(candidates(name).includes(ROOM_MENTION) ? ROOM_MENTION : name)
    if (names.size === MAX_NAMES) break
  }
  return [...names]
}

/** A name as written and, when it ends in punctuation, without it: `bob.` tries `bob.` then `bob`. */
const candidates = (name: string): string[] => {
  const bare = name.replace(/[._-]+$/, '')
  return bare === name || bare === '' ? [name] : [name, bare]
}

export interface MentionTarget {
  userId: number
  name: string
}

/** Who a message mentions, resolved when it is written. */
export interface Mentions {
  /** Every member mentioned, the writer never among them: one row and one `mention` event each. */
  users: MentionTarget[]
  /** What its view shows: the members named, in order, then "@room" when it reaches others too. */
  names: string[]
}

/**
 * Resolve the mentions of `text` written by `writerId` (with `role`) in `room`, whose members must be
 * loaded; undefined when it mentions nobody. Names of non-members and unknown users are plain text.
 */
export const resolveMentions = (
  db: Db,
  room: RoomState,
  writerId: number,
  role: Role | undefined,
  text: string,
): Mentions | undefined => {
  const members = room.members
  const written = mentionedNames(text)
  if (written.length === 0 || !members) return undefined
  const users = new Map<number, string>()
  const named: string[] = []
  let everyone = false
  for (const name of written) {
    if (name === ROOM_MENTION) {
      everyone ||= role === 'owner' || role === 'moderator'
      continue
    }
    for (const candidate of candidates(name)) {
      const user = findUser(db, candidate)
      if (!user || !members.has(user.id)) continue
      if (user.id !== writerId && !users.has(user.id)) {
        users.set(user.id, user.name)
        named.push(user.name)
      }
      break
    }
  }
  if (everyone) {
    const before = users.size
    for (const m of rq.listMembers(db, room.id))
      if (m.userId !== writerId && members.has(m.userId)) users.set(m.userId, m.user)
    if (users.size > before) named.push(`@${ROOM_MENTION}`)
  }
  if (users.size === 0) return undefined
  return { users: [...users].map(([userId, name]) => ({ userId, name })), names: named }
}

/** The `mentions` rows, written inside the store's commit. */
export class MentionRows {
  private readonly insertStmt
  private readonly messageIdStmt
  private readonly ofMessageStmt
  private readonly removeStmt
  private readonly removeAllStmt
  private readonly namedStmt
  private readonly countStmt

  constructor(sqlite: Sqlite) {
    this.insertStmt = sqlite.prepare<[number, number, number, number]>(
      'INSERT INTO mentions (user_id, room_id, seq, message_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    this.messageIdStmt = sqlite.prepare<[number, number], { id: number }>(
      'SELECT id FROM messages WHERE room_id = ? AND seq = ?',
    )
    this.ofMessageStmt = sqlite.prepare<[number], { user_id: number }>(
      'SELECT user_id FROM mentions WHERE message_id = ?',
    )
    this.removeStmt = sqlite.prepare<[number, number, number]>(
      'DELETE FROM mentions WHERE user_id = ? AND room_id = ? AND seq = ?',
    )
    this.removeAllStmt = sqlite.prepare<[number, number]>(
      'DELETE FROM mentions WHERE message_id = (SELECT id FROM messages WHERE room_id = ? AND seq = ?)',
    )
    this.namedStmt = sqlite.prepare<[string, number, number], { name: string }>(
      'SELECT u.name FROM users u JOIN mentions m ON m.user_id = u.id WHERE u.name = ? AND m.room_id = ? AND m.seq = ?',
    )
    this.countStmt = sqlite.prepare<[number, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM mentions WHERE message_id = ? LIMIT ?)',
    )
  }

  /** The rows of a new message. */
  insert(messageId: number, roomId: number, seq: number, users: readonly MentionTarget[]): void {
    for (const u of users) this.insertStmt.run(u.userId, roomId, seq, messageId)
  }

  /**
   * Bring an edited message's rows in line with its new text: the users no longer mentioned lose
   * theirs, new ones get one. Returns the new ones (they are told, as for a new message).
   */
  replace(roomId: number, seq: number, users: readonly MentionTarget[]): MentionTarget[] {
    const id = this.messageIdStmt.get(roomId, seq)?.id
    if (id === undefined) return []
    const before = new Set(this.ofMessageStmt.all(id).map((r) => r.user_id))
    const now = new Set(users.map((u) => u.userId))
    for (const userId of before) if (!now.has(userId)) this.removeStmt.run(userId, roomId, seq)
    const added = users.filter((u) => !before.has(u.userId))
    this.insert(id, roomId, seq, added)
    return added
  }

  /** A deleted message mentions nobody (its row stays as a tombstone, so the cascade does not apply). */
  removeAll(roomId: number, seq: number): void {
    this.removeAllStmt.run(roomId, seq)
  }

  /**
   * The `mentions` of a stored message's view, as its write showed them: the names in its text that
   * have a row, then "@room" when it has rows for others too. Only messages with an `@` cost a look.
   */
  viewOf(messageId: number, roomId: number, seq: number, text: string): string[] | undefined {
    const written = mentionedNames(text)
    // An `@` that mentions nobody (an address, an unknown name) costs one probe of its rows.
    if (written.length === 0 || !this.countStmt.get(messageId, 1)?.n) return undefined
    const named: string[] = []
    let everyone = false
    for (const name of written) {
      if (name === ROOM_MENTION) {
        everyone = true
        continue
      }
      const found = candidates(name).find((c) => this.namedStmt.get(c, roomId, seq) !== undefined)
      if (found !== undefined && !named.includes(found)) named.push(found)
    }
    if (everyone && (this.countStmt.get(messageId, named.length + 1)?.n ?? 0) > named.length)
      named.push(`@${ROOM_MENTION}`)
    return named.length > 0 ? named : undefined
  }
}
