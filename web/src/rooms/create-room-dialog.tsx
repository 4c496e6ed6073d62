// Create a room: its name, who can join (anyone, or only those invited), a topic, and whether it is
// end-to-end encrypted (made on this browser's device; before that, what it costs: no history from
// before joining, and keys that live only on the members' devices). The user becomes its owner and
// the room opens; a refusal (name taken, invalid, reserved) shows the hub's code.
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
  const [encrypted, setEncrypted] = useState(false)
  /** Why this tab cannot make an encrypted room (another tab has the device, plain http). */
  const cannotEncrypt = store.e2e.problem()
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
      if (encrypted) {
        // Made on this browser's device: wake it first (its code loads now, if it has not).
        await store.e2e.wake()
        const problem = store.e2e.problem()
        if (problem) throw new Error(problem)
      }
      await store.client.create(room, {
        private: isPrivate,
        ...(topic.trim() === '' ? {} : { topic: topic.trim() }),
        ...(encrypted ? { e2e: true } : {}),
      })
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
        <label class="check">
          <input
            type="checkbox"
            checked={encrypted}
            disabled={cannotEncrypt !== undefined}
            aria-describedby="create-room-e2e"
            onChange={(e) => setEncrypted(e.currentTarget.checked)}
          />
          End-to-end encrypted
        </label>
        <div id="create-room-e2e" class={encrypted ? 'warning' : 'hint'} aria-live="polite">
          {cannotEncrypt ?? (encrypted ? <E2eWarning /> : 'Only the members’ devices can read it; the hub stores what it cannot read.')}
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" aria-disabled={busy}>
            {busy ? 'Creating…' : encrypted ? 'Create encrypted room' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  )
}

/** What an encrypted room costs, said before it is made (docs/e2e.md, "Before you create one"). */
const E2eWarning = () => (
  <>
    <p>Before you create it:</p>
    <ul>
      <li>
        <strong>No history before joining.</strong> Members, and each new device of theirs, read only what is sent after
        they were added.
      </li>
      <li>
        <strong>Your devices hold the keys.</strong> They stay in this browser (and your other devices). Lose every device
        and you lose what they could read: nobody, not the hub’s admin, can recover it.
      </li>
    </ul>
  </>
)
