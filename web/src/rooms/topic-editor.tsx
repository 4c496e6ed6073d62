// The room's topic under its name, editable in place by its moderators and owner: Edit topic turns
// it into a field (Enter saves, Escape cancels) and focus comes back to the button. Everyone sees
// the change live (the `topic` event); a refusal shows the hub's code.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ChatStore, RoomView } from '../chat/store.ts'
import { errorText } from './error-text.ts'

const MAX_TOPIC = 256

export const TopicEditor = ({ store, room, canEdit }: { store: ChatStore; room: RoomView; canEdit: boolean }) => {
  const topic = room.summary?.topic ?? ''
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const edit = useRef<HTMLButtonElement>(null)
  const refocus = useRef(false)

  // Another room: whatever was being edited is dropped.
  useEffect(() => {
    setEditing(false)
    setError(undefined)
  }, [room.name])

  useEffect(() => {
    if (editing || !refocus.current) return
    refocus.current = false
    edit.current?.focus()
  }, [editing])

  const stop = () => {
    refocus.current = true
    setEditing(false)
    setError(undefined)
  }

  const save = async (e: Event) => {
    e.preventDefault()
    if (busy) return
    setBusy(true)
    setError(undefined)
    try {
      await store.client.topic(room.name, draft.trim())
      stop()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  if (editing) {
    return (
      <form class="topic-form" onSubmit={save}>
        <label class="visually-hidden" for="topic-input">
          Topic
        </label>
        <input
          id="topic-input"
          maxLength={MAX_TOPIC}
          autoFocus
          value={draft}
          placeholder="What this room is about"
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') stop()
          }}
        />
        <button type="submit" aria-disabled={busy}>
          Save topic
        </button>
        <button type="button" onClick={stop}>
          Cancel
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    )
  }
  return (
    <>
      {topic !== '' ? <p class="topic">{topic}</p> : canEdit && <p class="topic muted">No topic yet</p>}
      {canEdit && (
        <button
          type="button"
          class="link"
          ref={edit}
          onClick={() => {
            setDraft(topic)
            setEditing(true)
          }}
        >
          Edit topic
        </button>
      )}
    </>
  )
}
