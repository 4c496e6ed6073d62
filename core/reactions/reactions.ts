// Emoji reactions on messages: what counts as a reaction, the rows (core/db/schema/reactions.ts)
// changed inside the message store's commit, and each message's summary for history and catch-up.
// A reaction is a write like a say or an edit: core/messages/writes.ts `react` checks it, the
// pipeline commits it, delivery fans out the `reaction` event.
import type { Sqlite } from '#core/db/client'
import { defineError } from '#core/errors'
import type { ReactionView } from '#core/protocol/messages'

/** Reactions one user may put on one message (distinct emoji). */
export const MAX_REACTIONS_PER_USER = 20
/** Distinct emoji on one message. */
export const MAX_EMOJI_PER_MESSAGE = 50

export const reactionErrors = {
  emojiInvalid: defineError(
    'CHATHUB_REACTION_INVALID',
    400,
    (emoji: string) => `"${emoji.slice(0, 40)}" is not one emoji; react with a single emoji such as 👍.`,
  ),
  limit: defineError('CHATHUB_REACTION_LIMIT', 409, (what: string) => `${what}; remove one first.`),
}

// One RGI emoji (with its skin tone, ZWJ sequence or flag). The `v` flag is Node 20's, newer than the
// TypeScript target, so the pattern is built at run time.
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v')

/**
 * The emoji as stored, or a CHATHUB_REACTION_INVALID error. A text-style symbol that has an emoji
 * form (❤ without U+FE0F) is stored in that form, so ❤ and ❤️ count as one reaction.
 */
export const normalizeEmoji = (emoji: string): string => {
  if (ONE_EMOJI.test(emoji)) return emoji
  const styled = `${emoji}\uFE0F`
  if (ONE_EMOJI.test(styled)) return styled
  throw reactionErrors.emojiInvalid(emoji)
}

/** Why a reaction was not changed in the commit. */
export type ReactionRefusal = 'not_found' | 'per_user' | 'per_message'

export class ReactionRows {
  private readonly addStmt
  private readonly removeStmt
  private readonly countsStmt
  private readonly forStmt

  constructor(sqlite: Sqlite) {
    this.addStmt = sqlite.prepare(
      'INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    this.removeStmt = sqlite.prepare('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?')
    this.countsStmt = sqlite.prepare<
      [{ user: number; emoji: string; message: number }],
      { mine: number; has: number; kinds: number; known: number }
    >(
      `SELECT count(*) FILTER (WHERE user_id = @user) AS mine,
              count(*) FILTER (WHERE user_id = @user AND emoji = @emoji) AS has,
              count(DISTINCT emoji) AS kinds,
              count(*) FILTER (WHERE emoji = @emoji) AS known
       FROM reactions WHERE message_id = @message`,
    )
    this.forStmt = sqlite.prepare<[string], { message_id: number; emoji: string; name: string }>(
      `SELECT r.message_id, r.emoji, u.name FROM reactions r JOIN users u ON u.id = r.user_id
       WHERE r.message_id IN (SELECT value FROM json_each(?))
       ORDER BY r.message_id, r.created_at, r.rowid`,
    )
  }

  /**
   * Add or remove one reaction inside the commit. Returns whether a row changed (adding one that is
   * there, or removing one that is not, changes nothing), or why it was refused.
   */
  change(messageId: number, userId: number, emoji: string, add: boolean, at: number): boolean | ReactionRefusal {
    if (!add) return this.removeStmt.run(messageId, emoji, userId).changes === 1
    const counts = this.countsStmt.get({ user: userId, emoji, message: messageId })
    if (!counts || counts.has > 0) return false
    if (counts.mine >= MAX_REACTIONS_PER_USER) return 'per_user'
    if (counts.known === 0 && counts.kinds >= MAX_EMOJI_PER_MESSAGE) return 'per_message'
    return this.addStmt.run(messageId, emoji, userId, at).changes === 1
  }

  /** The reactions of each message (by message id), emoji in the order first used, reactors in order. */
  forMessages(messageIds: readonly number[]): Map<number, ReactionView[]> {
    const out = new Map<number, ReactionView[]>()
    if (messageIds.length === 0) return out
    for (const row of this.forStmt.all(JSON.stringify(messageIds))) {
      let list = out.get(row.message_id)
      if (!list) out.set(row.message_id, (list = []))
      let view = list.find((r) => r.emoji === row.emoji)
      if (!view) list.push((view = { emoji: row.emoji, count: 0, users: [] }))
      view.count++
      view.users.push(row.name)
    }
    return out
  }
}
