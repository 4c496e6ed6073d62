// The thread panel: a thread's root, then its replies (older ones on demand), live, and a composer of
// its own whose messages reply in the thread. Follow / unfollow: a `thread` event for each reply,
// which marks the thread in the timeline. Escape or "close" shuts it, and the focus goes back to what
// opened it. Mounted once beside the room view, `<ThreadPanel store={store} />`: nothing shows while
// no thread is open (store.threads.open).
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import type { MessageView } from '#core/protocol/messages'
import { Composer } from '../chat/composer.tsx'
import type { ChatStore } from '../chat/store.ts'
import { PendingLine } from '../chat/timeline.tsx'
import { MessageItem, groupedWith } from './message-item.tsx'
import { type ThreadView, threadKey } from './threads.ts'

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

export const ThreadPanel = ({ store }: { store: ChatStore }) => {
  const thread = store.threads.current
  if (!thread) return null
  return <Panel key={threadKey(thread.room, thread.root)} store={store} thread={thread} />
}

const Panel = ({ store, thread }: { store: ChatStore; thread: ThreadView }) => {
  const [problem, setProblem] = useState<string>()
  const panel = useRef<HTMLElement>(null)
  const list = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const id = useId()
  const onError = (err: unknown) => setProblem(errorText(err))

  // The reply field has the focus while the panel is open; what opened it gets it back after (unless
  // the focus went elsewhere meanwhile, e.g. to the "reply" of another thread).
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined
    const own = panel.current
    own?.querySelector('textarea')?.focus()
    return () => {
      const focus = document.activeElement
      if (opener?.isConnected && (focus === null || focus === document.body || own?.contains(focus))) opener.focus()
    }
  }, [])

  // Escape with the focus nowhere in particular closes it too (inside, the panel's onKeyDown does).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented && document.activeElement === document.body) store.threads.close()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [store])

  // New replies scroll into view while the reader is at the bottom.
  useLayoutEffect(() => {
    const el = list.current
    if (el && atBottom.current) el.scrollTop = el.scrollHeight
  })

  const summary = store.rooms.get(thread.room)?.summary
  const canModerate = summary?.role === 'owner' || summary?.role === 'moderator'
  const where = summary?.kind === 'direct' ? `@${summary.peer ?? 'removed user'}` : `#${thread.room}`
  const following = store.threads.following(thread)
  const root = thread.rootMessage
  const count = Math.max(root?.replies?.count ?? 0, thread.replies.length)
  const bySeq = new Map([...(root ? [root] : []), ...thread.replies].map((m) => [m.seq, m]))
  let previous: MessageView | undefined

  const item = (m: MessageView, grouped: boolean) => (
    <MessageItem
      key={m.seq}
      store={store}
      message={m}
      grouped={grouped}
      canModerate={canModerate}
      answers={m.replyTo === undefined ? undefined : bySeq.get(m.replyTo)}
      inThread
      onError={onError}
    />
  )

  return (
    <aside
      class="thread-panel"
      ref={panel}
      aria-labelledby={`${id}-title`}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || e.defaultPrevented) return
        e.preventDefault()
        store.threads.close()
      }}
    >
      <header>
        <h2 id={`${id}-title`}>Thread in {where}</h2>
        {/* The hub cannot tell an encrypted room's replies apart: it has no thread to follow there. */}
        {!store.isEncrypted(thread.room) && (
          <button type="button" class="link" onClick={() => store.threads.follow(thread.room, thread.root, !following).catch(onError)}>
            {following ? 'Unfollow thread' : 'Follow thread'}
          </button>
        )}
        <button type="button" class="link" onClick={() => store.threads.close()} aria-label="Close the thread">
          close
        </button>
      </header>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div
        class="thread-messages"
        ref={list}
        role="log"
        aria-label="Thread messages"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}
      >
        <ol class="messages">
          {root ? item(root, false) : <li class="more">{thread.loading ? 'Loading…' : 'The first message is gone.'}</li>}
          <li class="thread-divider">
            {thread.loading ? 'Loading replies…' : count === 0 ? 'No replies yet' : `${count} ${count === 1 ? 'reply' : 'replies'}`}
          </li>
          {thread.more && (
            <li class="more">
              <button type="button" onClick={() => store.threads.loadOlder().catch(onError)}>
                Earlier replies
              </button>
            </li>
          )}
          {thread.replies.map((m) => {
            const grouped = groupedWith(previous, m)
            previous = m
            return item(m, grouped)
          })}
          {store.pendingIn(thread.room, thread).map((o) => (
            <PendingLine key={o.txn} store={store} outgoing={o} />
          ))}
        </ol>
      </div>
      {/* An encrypted room this tab cannot use (another tab has the device): the room view says why. */}
      {!(store.isEncrypted(thread.room) && store.e2e.problem()) && <Composer store={store} room={thread.room} replyTo={thread.root} />}
    </aside>
  )
}
