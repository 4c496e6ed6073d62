// A one-field form that acts on a user by name (invite someone, unban someone): the field, its
// button, and what came of it — "done" as a status, a refusal with the hub's code as an alert.
import { useId, useState } from 'preact/hooks'
import { errorText } from './error-text.ts'

interface NameFormProps {
  label: string
  action: string
  /** Does it; resolves with what to tell the user. */
  onSubmit: (user: string) => Promise<string>
}

export const NameForm = ({ label, action, onSubmit }: NameFormProps) => {
  const [user, setUser] = useState('')
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>()
  const [busy, setBusy] = useState(false)
  const id = useId()

  const submit = async (e: Event) => {
    e.preventDefault()
    const name = user.trim()
    if (name === '' || busy) return
    setBusy(true)
    setOutcome(undefined)
    try {
      setOutcome({ ok: true, text: await onSubmit(name) })
      setUser('')
    } catch (err) {
      setOutcome({ ok: false, text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="name-form" onSubmit={submit}>
      <label for={id}>{label}</label>
      <div class="row">
        <input
          id={id}
          required
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          placeholder="user name"
          value={user}
          onInput={(e) => setUser(e.currentTarget.value)}
        />
        <button type="submit" class="small" aria-disabled={busy}>
          {action}
        </button>
      </div>
      {outcome && (
        <p class={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </form>
  )
}
