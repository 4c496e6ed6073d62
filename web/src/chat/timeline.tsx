// A room's messages: grouped by sender, with times, a "new messages" line after what was read, sends
// on their way ("sending…", "failed, retry"); each message with its reactions, replies and actions
// (web/src/messages/message-item.tsx). Scrolling to the top loads the page before; new messages scroll
// into view only when the reader is at the bottom; a message shown in context (a search result) is
// scrolled to, focused and highlighted. The list is an ARIA log, so screen readers announce new messages.
import { Fragment } from 'preact'
import { useLayoutEffect, useRef } from 'preact/hooks'
import type { MessageView } from '#core/protocol/messages'
import { MessageItem, groupedWith } from '../messages/message-item.tsx'
import type { ChatStore, Outgoing, RoomView } from './store.ts'

export const Timeline = ({ store, room, onError }: { store: ChatStore; room: RoomView; onError: (err: unknown) => void }) => {
  const list = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  /** While a page loads (older above, or newer below): a message and where it was, to keep it there. */
  const anchor = useRef<{ seq: number; offset: number } | undefined>(undefined)
  const loading = useRef(false)
  /** The last highlight (store.openAt) scrolled to. */
  const shownHighlight = useRef<number | undefined>(undefined)
  const canModerate = room.summary?.role === 'owner' || room.summary?.role === 'moderator'
  const highlight = store.highlight?.room === room.name ? store.highlight : undefined

  // Keep the view where the reader is: at the message shown in context, once; at the bottom when they
  // were there; after a page was added above or below, at the same message.
  useLayoutEffect(() => {
    const el = list.current
    if (!el) return
    const target = highlight && highlight.id !== shownHighlight.current && el.querySelector<HTMLElement>(`[data-seq="${highlight.seq}"]`)
    if (highlight && target) {
      shownHighlight.current = highlight.id
      anchor.current = undefined
      target.scrollIntoView({ block: 'center' })
      target.focus({ preventScroll: true })
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
      return
    }
    const kept = anchor.current && el.querySelector<HTMLElement>(`[data-seq="${anchor.current.seq}"]`)
    if (anchor.current && kept) {
      // The same message at the same place (pages come in around it; the window drops what is beyond).
      if (kept.offsetTop !== anchor.current.offset + el.scrollTop) el.scrollTop = kept.offsetTop - anchor.current.offset
      if (!loading.current) anchor.current = undefined
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight
    }
  })

  // A first page that does not fill the view cannot be scrolled: load the one before at once.
  useLayoutEffect(() => {
    const el = list.current
    if (el && el.scrollHeight <= el.clientHeight && room.more) onScroll()
  })

  const onScroll = () => {
    const el = list.current
    if (!el) return
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
    if (atBottom.current && room.atLatest) store.markRead(room.name)
    const older = el.scrollTop < 80 && room.more
    // Far back in history (a message shown in context): reading down loads the pages after it.
    const newer = !older && !room.atLatest && el.scrollHeight - el.scrollTop - el.clientHeight < 80
    if ((older || newer) && !loading.current) {
      loading.current = true
      const shown = el.querySelectorAll<HTMLElement>('[data-seq]')
      const kept = older ? shown[0] : shown[shown.length - 1]
      if (kept) anchor.current = { seq: Number(kept.dataset.seq), offset: kept.offsetTop - el.scrollTop }
      ;(older ? store.loadOlder(room.name) : store.loadNewer(room.name))
        .catch(onError)
        .finally(() => {
          loading.current = false
        })
    }
  }

  const pending = store.pendingIn(room.name)
  const bySeq = new Map(room.messages.map((m) => [m.seq, m]))
  let previous: MessageView | undefined
  return (
    <div class="timeline" ref={list} onScroll={onScroll} role="log" aria-live="polite" aria-label={`Messages in ${room.name}`}>
      <ol class="messages">
      {room.more && <li class="more">Scroll up for older messages</li>}
      {room.messages.map((m) => {
        const grouped = groupedWith(previous, m)
        const newLine = previous !== undefined && previous.seq <= room.readUpTo && m.seq > room.readUpTo && m.from !== store.me
        previous = m
        return (
          <Fragment key={`${m.room}#${m.seq}`}>
            {newLine && (
              <li class="new-marker" key={`new${m.seq}`}>
                New messages
              </li>
            )}
            <MessageItem
              store={store}
              message={m}
              grouped={grouped}
              canModerate={canModerate}
              answers={m.replyTo === undefined ? undefined : bySeq.get(m.replyTo)}
              highlighted={highlight?.seq === m.seq}
              onError={onError}
            />
          </Fragment>
        )
      })}
      {!room.atLatest && (
        <li class="more">
          <button type="button" onClick={() => store.jumpToLatest(room.name).catch(onError)}>
            Jump to the newest messages
          </button>
        </li>
      )}
      {pending.map((o) => (
        <PendingLine key={o.txn} store={store} outgoing={o} />
      ))}
      </ol>
    </div>
  )
}

/** A message of ours on its way: "sending…", or "failed" with the reason and a retry. */
export const PendingLine = ({ store, outgoing: o }: { store: ChatStore; outgoing: Outgoing }) => (
  <li class={`message pending ${o.state}`}>
    <span class="body">{o.text}</span>
    {o.state === 'sending' ? (
      <span class="state">sending…</span>
    ) : (
      <span class="state">
        failed{o.error ? `: ${o.error}` : ''}{' '}
        <button type="button" class="link" onClick={() => void store.retry(o.txn)}>
          retry
        </button>
      </span>
    )}
  </li>
)
