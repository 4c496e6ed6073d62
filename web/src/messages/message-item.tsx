// One message, in the timeline or the thread panel: sender and time (unless grouped with the one
// before), what it answers when it is a reply, its text (as text: renderText), files, reactions, its
// thread's reply count, and its actions — react (the picker), reply (opens its thread), edit (own),
// delete (own, or anyone's for a moderator, in end-to-end encrypted rooms too). A message
// of an encrypted room this device cannot decrypt says why and what to do.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { MessageView } from '#core/protocol/messages'
import { MessageAttachments } from '../attachments/message-attachments.tsx'
import type { ChatStore } from '../chat/store.ts'
import { Undecryptable } from '../e2e/undecryptable.tsx'
import { renderText } from '../text/render.tsx'
import { ReactionBar } from './reaction-bar.tsx'
import { ReactionPicker } from './reaction-picker.tsx'
import { threadKey } from './threads.ts'

export const time = (ts: number) => new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

/** Consecutive messages of one sender within this time share one header. */
const GROUP_MS = 5 * 60_000

/** Whether `m` goes under the header of the message before it. */
export const groupedWith = (previous: MessageView | undefined, m: MessageView): boolean =>
  previous !== undefined && previous.from === m.from && m.ts - previous.ts < GROUP_MS && !previous.deletedAt

/** The start of a message's text, on one line, for "replying to …". */
const EXCERPT = 80
const excerpt = (m: MessageView): string => {
  if (m.text === null || m.deletedAt !== undefined) return 'message deleted'
  const line = m.text.replace(/\s+/g, ' ').trim()
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line
}

interface Props {
  store: ChatStore
  message: MessageView
  grouped: boolean
  /** The reader is a moderator or the owner of the room (deletes anyone's messages). */
  canModerate: boolean
  /** The message it answers, when it is at hand. */
  answers?: MessageView
  /** In the thread panel: no reply action or reply count (the panel is the thread). */
  inThread?: boolean
  /** Shown in context (a search result): highlighted for a moment. */
  highlighted?: boolean
  onError: (err: unknown) => void
}

export const MessageItem = ({ store, message: m, grouped, canModerate, answers, inThread = false, highlighted = false, onError }: Props) => {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(m.text ?? '')
  const [picking, setPicking] = useState(false)
  const reactButton = useRef<HTMLButtonElement>(null)
  const editInput = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (editing) editInput.current?.focus()
  }, [editing])
  const me = store.me
  const own = m.from === me
  const mentioned = m.mentions?.includes(me) ?? false
  const bridged = m.via !== undefined
  const live = m.deletedAt === undefined && m.text !== null
  // A moderator deletes anyone's message, in an encrypted room too (the members' devices check the role).
  const canDelete = own || canModerate
  const root = m.thread ?? m.seq
  const openThread = () => store.threads.open(m.room, root).catch(onError)
  const news = store.threads.news.get(threadKey(m.room, m.seq)) ?? 0
  const closePicker = () => {
    setPicking(false)
    reactButton.current?.focus()
  }
  // In the thread panel every reply answers the root: only a reply to another reply says which.
  const showAnswers = m.replyTo !== undefined && (!inThread || m.replyTo !== m.thread)
  const classes = ['message', grouped && 'grouped', mentioned && 'mentioned', highlighted && 'highlighted'].filter(Boolean).join(' ')
  return (
    <li class={classes} data-seq={m.seq} tabIndex={-1}>
      {!grouped && (
        <div class="meta">
          <span class="from">{m.from}</span>
          {m.bot && !bridged && <span class="tag">bot</span>}
          {bridged && <span class="tag">via {m.from.split('@').at(-1)}</span>}
          <time dateTime={new Date(m.ts).toISOString()}>{time(m.ts)}</time>
        </div>
      )}
      {showAnswers && (
        <button type="button" class="reply-context" onClick={() => void openThread()}>
          <span aria-hidden="true">↪ </span>
          {answers ? `replying to ${answers.from}: ${excerpt(answers)}` : 'replying to an earlier message'}
        </button>
      )}
      {m.undecryptable ? (
        <Undecryptable problem={m.undecryptable} />
      ) : m.mls && m.deletedAt === undefined ? (
        <p class="body undecryptable">encrypted — this tab does not decrypt it (see the notice above)</p>
      ) : !live ? (
        <p class="body deleted">message deleted</p>
      ) : editing ? (
        <form
          class="edit"
          onSubmit={(e) => {
            e.preventDefault()
            setEditing(false)
            const text = draft.trim()
            if (text !== m.text) store.client.edit(m.room, m.seq, text).catch(onError)
          }}
        >
          <input
            aria-label="Edit message"
            value={draft}
            ref={editInput}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Escape') return
              e.preventDefault()
              e.stopPropagation()
              setEditing(false)
            }}
          />
        </form>
      ) : (
        <p class="body">
          {renderText(m.text ?? '', me)}
          {m.editedAt !== undefined && <span class="edited"> (edited)</span>}
        </p>
      )}
      <MessageAttachments message={m} client={store.client} />
      {live && (
        <ReactionBar
          reactions={m.reactions}
          me={me}
          onToggle={(emoji, mine) => store.client.react(m.room, m.seq, emoji, { remove: mine }).catch(onError)}
        />
      )}
      {!inThread && m.replies && m.replies.count > 0 && (
        <p class="thread-summary">
          <button type="button" class="link" onClick={() => void openThread()}>
            {m.replies.count} {m.replies.count === 1 ? 'reply' : 'replies'}, last at {time(m.replies.lastTs)}
          </button>
          {news > 0 && (
            <span class="thread-news">
              {news} new {news === 1 ? 'reply' : 'replies'}
            </span>
          )}
        </p>
      )}
      {picking && (
        <ReactionPicker
          label={`Add a reaction to ${m.from}'s message`}
          onPick={(emoji) => store.client.react(m.room, m.seq, emoji)}
          onClose={closePicker}
        />
      )}
      {live && !editing && (
        <span class="actions">
          <button
            type="button"
            class="link"
            ref={reactButton}
            aria-expanded={picking}
            onClick={() => (picking ? closePicker() : setPicking(true))}
            aria-label={`React to message ${m.seq}`}
          >
            react
          </button>
          {!inThread && (
            <button type="button" class="link" onClick={() => void openThread()} aria-label={`Reply to message ${m.seq}`}>
              reply
            </button>
          )}
          {own && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setDraft(m.text ?? '')
                setEditing(true)
              }}
              aria-label={`Edit message ${m.seq}`}
            >
              edit
            </button>
          )}
          {canDelete && (
            <button type="button" class="link" onClick={() => store.client.delete(m.room, m.seq).catch(onError)} aria-label={`Delete message ${m.seq}`}>
              delete
            </button>
          )}
        </span>
      )}
    </li>
  )
}
