// Leaving a room asks first: a private room needs a new invitation to come back. Once left, the
// room goes from the list (and from the screen) and focus goes to the room heading.
import { useRef, useState } from 'preact/hooks'
import type { RoomSummary } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { errorText } from './error-text.ts'
import { Modal } from './modal.tsx'

interface LeaveProps {
  store: ChatStore
  room: RoomSummary
  onClose: () => void
}

export const LeaveRoomDialog = ({ store, room, onClose }: LeaveProps) => {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const left = useRef(false)

  const leave = async () => {
    if (busy) return
    setBusy(true)
    setError(undefined)
    try {
      await store.client.leave(room.name)
      left.current = true
      await store.forget(room.name)
      onClose()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <Modal title={`Leave #${room.name}?`} onClose={onClose} returnFocus={() => (left.current ? document.getElementById('room-title') : undefined)}>
      <p>
        {room.private
          ? 'This room is private: you will need a new invitation to come back.'
          : 'You can join again at any time from the room directory.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="button" class="danger" aria-disabled={busy} onClick={() => void leave()}>
          Leave the room
        </button>
        <button type="button" autoFocus onClick={onClose}>
          Stay
        </button>
      </div>
    </Modal>
  )
}
