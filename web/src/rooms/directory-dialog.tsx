// The public room directory: the public rooms the user is not in (the `rooms` ack lists them
// without a role), with their topic and size, each with Join; a filter narrows the list. Joining
// opens the room and closes the dialog.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { RoomSummary } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { errorText } from './error-text.ts'
import { Modal } from './modal.tsx'

interface DirectoryProps {
  store: ChatStore
  onClose: () => void
  /** A room was joined and opened (the dialog is closing). */
  onOpened: (room: string) => void
}

export const DirectoryDialog = ({ store, onClose, onOpened }: DirectoryProps) => {
  const [rooms, setRooms] = useState<RoomSummary[]>()
  const [filter, setFilter] = useState('')
  const [error, setError] = useState<string>()
  const [joining, setJoining] = useState<string>()
  const joined = useRef(false)

  useEffect(() => {
    store.client.rooms().then(
      (ack) => setRooms(ack.rooms.filter((r) => r.role === undefined && r.kind === 'room' && !r.private)),
      (err: unknown) => setError(errorText(err)),
    )
  }, [store])

  const join = async (name: string) => {
    if (joining !== undefined) return
    setJoining(name)
    setError(undefined)
    try {
      await store.open(name)
      joined.current = true
      onOpened(name)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setJoining(undefined)
    }
  }

  const wanted = filter.trim().toLowerCase()
  const shown = rooms?.filter((r) => wanted === '' || r.name.includes(wanted) || r.topic.toLowerCase().includes(wanted))
  return (
    <Modal
      title="Browse rooms"
      class="directory"
      onClose={onClose}
      returnFocus={() => (joined.current ? document.getElementById('room-title') : undefined)}
    >
      <label class="field">
        Filter by name or topic
        <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </label>
      {shown === undefined ? (
        !error && <p role="status">Loading…</p>
      ) : shown.length === 0 ? (
        <p class="muted">
          {rooms?.length === 0 ? 'No public rooms to join: you are in all of them. Create one!' : 'No public room matches.'}
        </p>
      ) : (
        <ul class="directory-list" aria-label="Public rooms">
          {shown.map((r) => (
            <li key={r.name}>
              <div class="directory-room">
                <span class="room-name">#{r.name}</span>
                <span class="muted">
                  {r.members} {r.members === 1 ? 'member' : 'members'}
                </span>
                {r.topic !== '' && <p class="topic">{r.topic}</p>}
              </div>
              <button type="button" class="primary" aria-label={`Join ${r.name}`} aria-disabled={joining !== undefined} onClick={() => void join(r.name)}>
                {joining === r.name ? 'Joining…' : 'Join'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  )
}
