// The composer: Enter sends, Shift+Enter is a new line; typing tells the others (at most every 3 s).
// Files (picked with "Attach files" or dropped on the room view) upload when the message is sent,
// each with its progress and a cancel; the message goes once all are uploaded, carrying their ids.
// Without text it says the files' names, as `chathub send --image` does.
import { useRef, useState } from 'preact/hooks'
import { FilePicker, useFileDrop } from '../attachments/file-picker.tsx'
import { usePendingFiles } from '../attachments/pending-files.ts'
import { PendingList } from '../attachments/pending-list.tsx'
import type { ChatStore } from './store.ts'

const TYPING_EVERY_MS = 3000

export const Composer = ({ store, room }: { store: ChatStore; room: string }) => {
  const [text, setText] = useState('')
  const [uploading, setUploading] = useState(false)
  const lastTyping = useRef(0)
  const form = useRef<HTMLFormElement>(null)
  const pending = usePendingFiles()
  useFileDrop(form, pending.add, !uploading)

  const send = async () => {
    const line = text.trim()
    if (uploading || (line === '' && pending.files.length === 0)) return
    let attachments: string[] = []
    let names = ''
    if (pending.files.length > 0) {
      setUploading(true)
      const views = await pending.upload(room)
      setUploading(false)
      // A file failed (it says why) or was cancelled: the text and the other files stay for another try.
      if (!views) return
      attachments = views.map((v) => v.id)
      names = views.map((v) => v.name).join(', ')
    }
    setText('')
    pending.clear()
    void store.send(room, line === '' ? names : line, { attachments })
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
      {/* Per-file options (e.g. "Hide a message in this picture") go in PendingList's `options`. */}
      <PendingList files={pending.files} notice={pending.notice} onRemove={pending.remove} />
      <FilePicker onFiles={pending.add} disabled={uploading} />
      <label class="visually-hidden" for="composer-text">
        Message
      </label>
      <textarea
        id="composer-text"
        rows={2}
        placeholder={`Message ${room}`}
        value={text}
        readOnly={uploading}
        onInput={(e) => {
          setText(e.currentTarget.value)
          const now = Date.now()
          if (now - lastTyping.current > TYPING_EVERY_MS && e.currentTarget.value.trim() !== '') {
            lastTyping.current = now
            store.client.typing(room).catch(() => {})
          }
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault()
            void send()
          }
        }}
      />
      <button type="submit" disabled={uploading}>
        {uploading ? 'Uploading…' : 'Send'}
      </button>
    </form>
  )
}
