// The reaction picker, opened from a message's actions: a few common emoji, and a field for any other
// single emoji (the hub decides what one emoji is: CHATHUB_REACTION_INVALID otherwise, and
// CHATHUB_REACTION_LIMIT past 20 of one user's or 50 on one message; the error is shown here).
// Escape or "close" shuts it and gives the focus back to the button that opened it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'

/** The emoji offered first. */
export const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅']

interface Props {
  /** Which message, for the accessible name. */
  label: string
  /** Add the reaction; rejects with the hub's error. */
  onPick: (emoji: string) => Promise<unknown>
  onClose: () => void
}

export const ReactionPicker = ({ label, onPick, onClose }: Props) => {
  const [other, setOther] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const first = useRef<HTMLButtonElement>(null)
  useEffect(() => first.current?.focus(), [])
  const pick = async (emoji: string) => {
    if (busy || emoji === '') return
    setBusy(true)
    setError(undefined)
    try {
      await onPick(emoji)
      onClose()
    } catch (err) {
      setError(isChatError(err) ? `${err.message} (${err.code})` : String(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div
      class="reaction-picker"
      role="group"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return
        e.preventDefault()
        e.stopPropagation()
        onClose()
      }}
    >
      <ul class="emoji-choices">
        {COMMON_EMOJI.map((emoji, i) => (
          <li key={emoji}>
            <button type="button" class="emoji-choice" ref={i === 0 ? first : undefined} aria-label={`React with ${emoji}`} onClick={() => void pick(emoji)}>
              {emoji}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="emoji-other"
        onSubmit={(e) => {
          e.preventDefault()
          void pick(other.trim())
        }}
      >
        <label>
          Any emoji
          <input value={other} maxLength={64} autoComplete="off" onInput={(e) => setOther(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Add
        </button>
        <button type="button" class="link" onClick={onClose}>
          close
        </button>
      </form>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
