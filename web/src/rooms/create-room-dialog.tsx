// Create a room: its name, who can join (anyone, or only those invited) and a topic. The user
// becomes its owner and the room opens; a refusal (name taken, invalid, reserved) shows the hub's code.
import { useRef, useState } from 'preact/hooks'
import type { ChatStore } from '../chat/store.ts'
import { errorText } from './error-text.ts'
import { Modal } from './modal.tsx'

interface CreateProps {
  store: ChatStore
  onClose: () => void
  onOpened: (room: string) => void
}

export const CreateRoomDialog = ({ store, onClose, onOpened }: CreateProps) => {
  const [name, setName] = useState('')
  const [isPrivate, setPrivate] = useState(false)
  const [topic, setTopic] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const created = useRef(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    if (busy) return
    setBusy(true)
    setError(undefined)
    const room = name.trim()
    try {
      await store.client.create(room, { private: isPrivate, ...(topic.trim() === '' ? {} : { topic: topic.trim() }) })
      await store.open(room)
      created.current = true
      onOpened(room)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal
      title="Create a room"
      onClose={onClose}
      returnFocus={() => (created.current ? document.getElementById('room-title') : undefined)}
    >
      <form class="stack" onSubmit={submit}>
        <label class="field">
          Room name
          <input
            required
            maxLength={32}
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            aria-describedby="create-room-hint"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <p id="create-room-hint" class="hint">
          Up to 32 of a–z, 0–9 and “-”, starting with a letter or digit.
        </p>
        <fieldset class="choice">
          <legend>Who can join</legend>
          <label>
            <input type="radio" name="visibility" checked={!isPrivate} onChange={() => setPrivate(false)} />
            Public: anyone can find it in the directory and join
          </label>
          <label>
            <input type="radio" name="visibility" checked={isPrivate} onChange={() => setPrivate(true)} />
            Private: only people invited; invisible to everyone else
          </label>
        </fieldset>
        <label class="field">
          Topic (optional)
          <input maxLength={256} value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" aria-disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
