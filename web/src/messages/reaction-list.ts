// A message's reactions after one live `reaction` event: the emoji in the order first used, each with
// its count and who reacted (in the order they did), as history gives them (docs/protocol.md,
// "Reactions and threads"). An emoji nobody holds any more goes.
import type { EventOf, ReactionView } from '#core/protocol/messages'

export const withReaction = (
  list: ReactionView[] | undefined,
  e: Pick<EventOf<'reaction'>, 'emoji' | 'user' | 'added'>,
): ReactionView[] => {
  const all = list ?? []
  const entry = all.find((r) => r.emoji === e.emoji)
  if (e.added) {
    if (!entry) return [...all, { emoji: e.emoji, count: 1, users: [e.user] }]
    if (entry.users.includes(e.user)) return all
    return all.map((r) => (r === entry ? { ...r, count: r.count + 1, users: [...r.users, e.user] } : r))
  }
  if (!entry?.users.includes(e.user)) return all
  const users = entry.users.filter((u) => u !== e.user)
  if (users.length === 0) return all.filter((r) => r !== entry)
  return all.map((r) => (r === entry ? { ...r, count: r.count - 1, users } : r))
}

/** "alice", "alice and you", "alice, bob and you": who reacted, the reader named "you" and last. */
export const whoReacted = (users: string[], me: string): string => {
  const names = [...users.filter((u) => u !== me), ...(users.includes(me) ? ['you'] : [])]
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}
