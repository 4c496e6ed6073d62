// Log in with name and password; when the account has two-factor login, a second step asks for the
// code (or a recovery code). Errors show the hub's message and code.
import { useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import { type Me, logIn, logInSecondStep } from '../session.ts'

export const LoginView = ({ onLoggedIn, problem }: { onLoggedIn: (me: Me) => void; problem?: string | undefined }) => {
  const [user, setUser] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  /** The second step's ticket, once the hub asked for a code. */
  const [ticket, setTicket] = useState<string>()
  const [useRecovery, setUseRecovery] = useState(false)
  const [error, setError] = useState<string | undefined>(problem)
  const [busy, setBusy] = useState(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      if (ticket === undefined) onLoggedIn(await logIn(user, password))
      else onLoggedIn(await logInSecondStep(ticket, useRecovery ? { recoveryCode: code.trim() } : { code: code.replace(/\s/g, '') }))
    } catch (err) {
      const second = isChatError(err) && err.code === 'TOTP_CODE_REQUIRED' ? err.details?.ticket : undefined
      if (typeof second === 'string') {
        setTicket(second)
        setPassword('')
      } else if (isChatError(err) && err.code === 'TOTP_TICKET_INVALID') {
        setTicket(undefined)
        setCode('')
        setError(`${err.message} (${err.code})`)
      } else setError(isChatError(err) ? `${err.message} (${err.code})` : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">chathub</h1>
        {ticket === undefined ? (
          <>
            <label>
              Name
              <input name="user" autoComplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
          </>
        ) : (
          <>
            <p>This account has two-factor login.</p>
            <label>
              {useRecovery ? 'Recovery code' : 'Code from your authenticator app'}
              <input
                name="code"
                autoComplete="one-time-code"
                inputMode={useRecovery ? 'text' : 'numeric'}
                required
                autoFocus
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
            </label>
            <button type="button" class="link" onClick={() => setUseRecovery(!useRecovery)}>
              {useRecovery ? 'Use a code from the app' : 'Use a recovery code'}
            </button>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {ticket === undefined ? 'Log in' : 'Confirm'}
        </button>
      </form>
    </main>
  )
}
