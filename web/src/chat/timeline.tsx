// A room's messages: grouped by sender, with times, a "new messages" line after what was read, own
// edits and deletes (and a moderator's deletes), sends on their way ("sending…", "failed, retry").
// Scrolling to the top loads the page before; new messages scroll into view only when the reader is
// at the bottom. The list is an ARIA log, so screen readers announce new messages.
import { Fragment } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { MessageView } from '#core/protocol/messages'
import { MessageAttachments } from '../attachments/message-attachments.tsx'
import { renderText } from '../text/render.tsx'
import type { ChatStore, RoomView } from './store.ts'

/** Consecutive messages of one sender within this time share one header. */
const GROUP_MS = 5 * 60_000

const time = (ts: number) => new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

export const Timeline = ({ store, room, onError }: { store: ChatStore; room: RoomView; onError: (err: unknown) => void }) => {
  const list = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  /** While older messages load: the message at the top and where it was, to keep it there. */
  const anchor = useRef<{ seq: number; offset: number } | undefined>(undefined)
  const loading = useRef(false)
  const [editing, setEditing] = useState<number>()
  const canModerate = room.summary?.role === 'owner' || room.summary?.role === 'moderator'

  // Keep the view where the reader is: at the bottom when they were there; after older messages
  // were added above, at the same message.
  useLayoutEffect(() => {
    const el = list.current
    if (!el) return
    const kept = anchor.current && el.querySelector<HTMLElement>(`[data-seq="${anchor.current.seq}"]`)
    if (anchor.current && kept) {
      // The same message at the same place (pages come in above it; the window may drop the newest).
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
    if (el.scrollTop < 80 && room.more && !loading.current) {
      loading.current = true
      const first = el.querySelector<HTMLElement>('[data-seq]')
      if (first) anchor.current = { seq: Number(first.dataset.seq), offset: first.offsetTop - el.scrollTop }
      store
        .loadOlder(room.name)
        .catch(onError)
        .finally(() => {
          loading.current = false
        })
    }
  }

  const pending = store.pendingIn(room.name)
  let previous: MessageView | undefined
  return (
    <div class="timeline" ref={list} onScroll={onScroll} role="log" aria-live="polite" aria-label={`Messages in ${room.name}`}>
      <ol class="messages">
      {room.more && <li class="more">Scroll up for older messages</li>}
      {room.messages.map((m) => {
        const grouped = previous !== undefined && previous.from === m.from && m.ts - previous.ts < GROUP_MS && !previous.deletedAt
        const newLine = previous !== undefined && previous.seq <= room.readUpTo && m.seq > room.readUpTo && m.from !== store.me
        previous = m
        return (
          <Fragment key={m.seq}>
            {newLine && (
              <li class="new-marker" key={`new${m.seq}`}>
                New messages
              </li>
            )}
            <Message
              message={m}
              me={store.me}
              grouped={grouped}
              editing={editing === m.seq}
              canDelete={m.from === store.me || canModerate}
              onEdit={() => setEditing(m.seq)}
              onSave={(text) => {
                setEditing(undefined)
                if (text !== m.text) store.client.edit(room.name, m.seq, text).catch(onError)
              }}
              onCancel={() => setEditing(undefined)}
              onDelete={() => store.client.delete(room.name, m.seq).catch(onError)}
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
        <li key={o.txn} class={`message pending ${o.state}`}>
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
      ))}
      </ol>
    </div>
  )
}

interface MessageProps {
  message: MessageView
  me: string
  grouped: boolean
  editing: boolean
  canDelete: boolean
  onEdit: () => void
  onSave: (text: string) => void
  onCancel: () => void
  onDelete: () => void
}

const Message = ({ message: m, me, grouped, editing, canDelete, onEdit, onSave, onCancel, onDelete }: MessageProps) => {
  const [draft, setDraft] = useState(m.text ?? '')
  const own = m.from === me
  const mentioned = m.mentions?.includes(me) ?? false
  const bridged = m.via !== undefined
  return (
    <li class={`message${grouped ? ' grouped' : ''}${mentioned ? ' mentioned' : ''}`} data-seq={m.seq}>
      {!grouped && (
        <div class="meta">
          <span class="from">{m.from}</span>
          {m.bot && <span class="tag">bot</span>}
          {bridged && <span class="tag">via {m.from.split('@').at(-1)}</span>}
          <time dateTime={new Date(m.ts).toISOString()}>{time(m.ts)}</time>
        </div>
      )}
      {m.deletedAt !== undefined || m.text === null ? (
        <p class="body deleted">message deleted</p>
      ) : editing ? (
        <form
          class="edit"
          onSubmit={(e) => {
            e.preventDefault()
            onSave(draft.trim())
          }}
        >
          <input
            aria-label="Edit message"
            value={draft}
            autoFocus
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') onCancel()
            }}
          />
        </form>
      ) : (
        <p class="body">
          {renderText(m.text, me)}
          {m.editedAt !== undefined && <span class="edited"> (edited)</span>}
        </p>
      )}
      <MessageAttachments message={m} />
      {m.deletedAt === undefined && m.text !== null && !editing && (own || canDelete) && (
        <span class="actions">
          {own && (
            <button type="button" class="link" onClick={onEdit} aria-label={`Edit message ${m.seq}`}>
              edit
            </button>
          )}
          {canDelete && (
            <button type="button" class="link" onClick={onDelete} aria-label={`Delete message ${m.seq}`}>
              delete
            </button>
          )}
        </span>
      )}
    </li>
  )
}
