// Settings: two-factor login (enrol with a QR code and the secret as text, confirm with a first code,
// recovery codes shown once and regenerated with a code, turn it off), the password, and the
// account's devices for encrypted rooms (web/src/e2e/device-list.tsx). The QR code library loads
// only when a QR code is shown, the device list when the settings are.
import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { httpCall } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import type { ChatStore } from '../chat/store.ts'
import { hub } from '../session.ts'

interface TotpStatus {
  enabled: boolean
  pending: boolean
  required: boolean
  policy: string
  recoveryCodesLeft: number
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

/** The otpauth:// URI as a QR code image (an SVG blob: the page's CSP allows blob: images). */
const qrImage = async (uri: string): Promise<string> => {
  const { default: QRCode } = await import('qrcode')
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
  return URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }))
}

/** `store`: the chat's, for the device list (none while the session may only enrol in two-factor login). */
export const SettingsView = ({ user, store, onClose }: { user: string; store?: ChatStore; onClose: () => void }) => (
  <main class="settings" aria-labelledby="settings-title">
    <header class="room-header">
      <h1 id="settings-title">Settings for {user}</h1>
      <button type="button" class="link" onClick={onClose}>
        Back to the chat
      </button>
    </header>
    <div class="settings-body">
      <TwoFactor />
      <PasswordForm />
      {store && <Devices store={store} />}
    </div>
  </main>
)

/** The device list, loaded with the settings (not with the chat). */
const Devices = ({ store }: { store: ChatStore }) => {
  const [List, setList] = useState<FunctionComponent<{ store: ChatStore }>>()
  useEffect(() => {
    void import('../e2e/device-list.tsx').then((m) => setList(() => m.DeviceList))
  }, [])
  return List ? <List store={store} /> : null
}

const CodeInput = ({ label, value, onInput }: { label: string; value: string; onInput: (v: string) => void }) => (
  <label>
    {label}
    <input autoComplete="one-time-code" inputMode="numeric" required value={value} onInput={(e) => onInput(e.currentTarget.value)} />
  </label>
)

const RecoveryCodes = ({ codes }: { codes: string[] }) => (
  <div class="recovery" role="region" aria-label="Recovery codes">
    <p>
      <strong>Recovery codes</strong> — each works once if you lose your phone. Keep them somewhere safe now: they are not
      shown again.
    </p>
    <ul class="codes">
      {codes.map((c) => (
        <li key={c}>
          <code>{c}</code>
        </li>
      ))}
    </ul>
  </div>
)

const TwoFactor = () => {
  const [status, setStatus] = useState<TotpStatus | 'off-hub' | undefined>()
  const [setup, setSetup] = useState<{ uri: string; secret: string; qr?: string }>()
  const [code, setCode] = useState('')
  const [codes, setCodes] = useState<string[]>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const load = () =>
    httpCall<TotpStatus>(hub(), '/plugins/totp/status').then(setStatus, (err: unknown) => {
      if (isChatError(err) && err.status === 404) setStatus('off-hub')
      else setError(errorText(err))
    })
  useEffect(() => void load(), [])
  useEffect(() => () => setup?.qr && URL.revokeObjectURL(setup.qr), [setup])

  const run = async (what: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    try {
      await what()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const begin = () =>
    run(async () => {
      const { uri } = await httpCall<{ uri: string }>(hub(), '/plugins/totp/setup', { method: 'POST', body: {} })
      const secret = new URL(uri).searchParams.get('secret') ?? ''
      setSetup({ uri, secret, qr: await qrImage(uri) })
      setCodes(undefined)
    })
  const confirm = () =>
    run(async () => {
      const { recoveryCodes } = await httpCall<{ recoveryCodes: string[] }>(hub(), '/plugins/totp/confirm', { body: { code: code.replace(/\s/g, '') } })
      setCodes(recoveryCodes)
      setSetup(undefined)
      setCode('')
      await load()
    })
  const regenerate = () =>
    run(async () => {
      const { recoveryCodes } = await httpCall<{ recoveryCodes: string[] }>(hub(), '/plugins/totp/recovery-codes', { body: { code: code.replace(/\s/g, '') } })
      setCodes(recoveryCodes)
      setCode('')
      await load()
    })
  const disable = () =>
    run(async () => {
      await httpCall(hub(), '/plugins/totp/disable', { body: { code: code.replace(/\s/g, '') } })
      setCode('')
      setCodes(undefined)
      await load()
    })

  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">Two-factor login</h2>
      {status === undefined && !error && <p>Loading…</p>}
      {status === 'off-hub' && <p>Two-factor login is not enabled on this hub (its totp plugin).</p>}
      {codes && <RecoveryCodes codes={codes} />}
      {typeof status === 'object' && !status.enabled && !setup && (
        <>
          <p>
            Off. {status.required ? 'This hub requires it for your account: set it up to use the chat.' : 'Turn it on to ask for a code from your phone at every login.'}
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void begin()}>
            Set up two-factor login
          </button>
        </>
      )}
      {setup && (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault()
            void confirm()
          }}
        >
          <p>Scan this code with an authenticator app (or type the secret), then enter the first code it shows.</p>
          {setup.qr && <img class="qr" src={setup.qr} width={200} height={200} alt="QR code for your authenticator app" />}
          <p>
            Secret: <code class="secret">{setup.secret}</code>
          </p>
          <CodeInput label="First code" value={code} onInput={setCode} />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
        </form>
      )}
      {typeof status === 'object' && status.enabled && (
        <form class="stack" onSubmit={(e) => e.preventDefault()}>
          <p>On. {status.recoveryCodesLeft} recovery codes left.</p>
          <CodeInput label="A code from your app" value={code} onInput={setCode} />
          <div class="row">
            <button type="button" class="primary" disabled={busy || code === ''} onClick={() => void regenerate()}>
              New recovery codes
            </button>
            {!status.required && (
              <button type="button" disabled={busy || code === ''} onClick={() => void disable()}>
                Turn off
              </button>
            )}
          </div>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

const PasswordForm = () => {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [again, setAgain] = useState('')
  const [code, setCode] = useState('')
  const [message, setMessage] = useState<{ ok: boolean; text: string }>()
  const submit = async (e: Event) => {
    e.preventDefault()
    if (next !== again) return setMessage({ ok: false, text: 'The two new passwords differ.' })
    try {
      await httpCall(hub(), '/api/v1/password', { body: { current, password: next, ...(code === '' ? {} : { code: code.replace(/\s/g, '') }) } })
      setMessage({ ok: true, text: 'Password changed. Your other devices were logged out.' })
      setCurrent('')
      setNext('')
      setAgain('')
      setCode('')
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) })
    }
  }
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form class="stack" onSubmit={submit}>
        <label>
          Current password
          <input type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <label>
          New password again
          <input type="password" autoComplete="new-password" required value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
        </label>
        <label>
          Two-factor code (if you use it)
          <input autoComplete="one-time-code" inputMode="numeric" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        </label>
        <button type="submit">Change password</button>
        {message && (
          <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
      </form>
    </section>
  )
}
