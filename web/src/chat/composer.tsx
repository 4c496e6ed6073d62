// The composer: Enter sends, Shift+Enter is a new line; typing tells the others (at most every 3 s);
// "@" and the start of a name offer the room's members (Tab or Enter takes one, Escape dismisses).
// Files (picked with "Attach files" or dropped on the room view) upload when the message is sent,
// each with its progress and a cancel; the message goes once all are uploaded, carrying their ids.
// Without text it says the files' names, as `chathub send --image` does. With `replyTo` it is the
// thread panel's: what it sends replies in that thread.
import { useId, useRef, useState } from 'preact/hooks'
import { FilePicker, useFileDrop } from '../attachments/file-picker.tsx'
import { usePendingFiles } from '../attachments/pending-files.ts'
import { PendingList } from '../attachments/pending-list.tsx'
import { HideOption } from '../attachments/hide-option.tsx'
import { MentionList, useMentionCompletion } from '../messages/mention-completion.tsx'
import type { ChatStore } from './store.ts'

const TYPING_EVERY_MS = 3000

interface Props {
  store: ChatStore
  room: string
  /** Send replies to this message (a thread's root). */
  replyTo?: number
}

export const Composer = ({ store, room, replyTo }: Props) => {
  const [text, setText] = useState('')
  const [uploading, setUploading] = useState(false)
  const lastTyping = useRef(0)
  const form = useRef<HTMLFormElement>(null)
  const field = useRef<HTMLTextAreaElement>(null)
  const id = useId()
  const pending = usePendingFiles()
  const completion = useMentionCompletion(store, room, field, text, setText, `${id}-names`)
  const open = completion.options.length > 0
  useFileDrop(form, pending.add, !uploading)

  const send = async () => {
    const line = text.trim()
    if (uploading || (line === '' && pending.files.length === 0)) return
    let attachments: string[] = []
    let names = ''
    if (pending.files.length > 0) {
      setUploading(true)
      const views = await pending.upload(room, store.isEncrypted(room) ? store.e2e.encrypterFor(room) : undefined)
      setUploading(false)
      // A file failed (it says why) or was cancelled: the text and the other files stay for another try.
      if (!views) return
      attachments = views.map((v) => v.id)
      names = views.map((v) => v.name).join(', ')
    }
    setText('')
    pending.clear()
    void store.send(room, line === '' ? names : line, { attachments, ...(replyTo === undefined ? {} : { replyTo }) })
  }

  return (
    <form
      ref={form}
      class="composer"
      aria-busy={uploading}
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <PendingList
        files={pending.files}
        notice={pending.notice}
        onRemove={pending.remove}
        options={(f) => <HideOption room={room} file={f} onHidden={(png) => pending.replace(f.key, png)} />}
      />
      <FilePicker onFiles={pending.add} disabled={uploading} />
      <label class="visually-hidden" for={`${id}-text`}>
        {replyTo === undefined ? 'Message' : 'Reply'}
      </label>
      <div class="composer-field">
        <MentionList completion={completion} />
        <textarea
          id={`${id}-text`}
          ref={field}
          rows={2}
          placeholder={replyTo === undefined ? `Message ${room}` : 'Reply in the thread'}
          value={text}
          readOnly={uploading}
          aria-autocomplete="list"
          aria-controls={open ? completion.listId : undefined}
          aria-activedescendant={open ? `${completion.listId}-${completion.active}` : undefined}
          onInput={(e) => {
            const el = e.currentTarget
            setText(el.value)
            completion.update(el.value, el.selectionStart)
            const now = Date.now()
            if (now - lastTyping.current > TYPING_EVERY_MS && el.value.trim() !== '') {
              lastTyping.current = now
              store.client.typing(room).catch(() => {})
            }
          }}
          onKeyUp={(e) => {
            if (e.key.startsWith('Arrow') || e.key === 'Home' || e.key === 'End') completion.update(e.currentTarget.value, e.currentTarget.selectionStart)
          }}
          onClick={(e) => completion.update(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => completion.update('', 0)}
          onKeyDown={(e) => {
            if (completion.onKeyDown(e)) return
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault()
              void send()
            }
          }}
        />
      </div>
      <button type="submit" disabled={uploading}>
        {uploading ? 'Uploading…' : replyTo === undefined ? 'Send' : 'Send reply'}
      </button>
    </form>
  )
}
