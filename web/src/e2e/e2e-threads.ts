// Threads in end-to-end encrypted rooms. The hub cannot see what a reply answers, so an encrypted
// message carries only `replyTo` (inside the ciphertext), not the `thread` and reply counts the hub
// adds in clear rooms. The browser finds them among the messages at hand, as the hub would: a reply
// joins the thread of what it answers (a reply to a reply joins its root's), and a root counts the
// replies shown with it.
import type { MessageView } from '#core/protocol/messages'

/** `messages` (oldest first) with each reply's `thread`, and `replies` on the roots that have some here. */
export const withE2eThreads = (messages: MessageView[]): MessageView[] => {
  const threadOf = new Map<number, number | undefined>()
  const threaded = messages.map((m) => {
    const thread = m.replyTo === undefined ? m.thread : (threadOf.get(m.replyTo) ?? m.replyTo)
    threadOf.set(m.seq, thread)
    return thread === m.thread ? m : { ...m, thread }
  })
  const replies = new Map<number, NonNullable<MessageView['replies']>>()
  for (const m of threaded) {
    if (m.thread === undefined) continue
    const count = replies.get(m.thread)?.count ?? 0
    replies.set(m.thread, { count: count + 1, last: m.seq, lastTs: m.ts })
  }
  return threaded.map((m) => {
    const counted = replies.get(m.seq)
    return counted && (m.replies?.last ?? 0) < counted.last ? { ...m, replies: counted } : m
  })
}
