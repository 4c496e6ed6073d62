// The safety number dialog (docs/e2e.md, "Verifying a contact"; loaded on demand by verify-button.tsx):
// the 60 digits of this account and USER in 12 groups of five — the same number `chathub verify USER`
// prints and USER's own devices show — USER's devices with their fingerprints and trust, whether USER
// is verified in this browser (or was, and their devices changed since), and the buttons to record
// that the numbers match or to forget it.
import { useEffect, useId, useState } from 'preact/hooks'
import type { EventOf } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { Modal } from '../rooms/modal.tsx'
import { errorText } from '../rooms/error-text.ts'
import { VerifiedTag } from './verification-marks.tsx'
import type { ContactDevice, SafetyView } from './verifications.ts'

export interface VerifyDialogProps {
  store: ChatStore
  user: string
  onClose: () => void
  /** Where focus goes when the dialog closes, if what opened it is gone. */
  returnFocus?: () => HTMLElement | null
}

const when = (ts: number): string => new Date(ts).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })

const trustText = (d: ContactDevice): string => {
  if (d.status === 'first_use') return 'first device (trusted on first use)'
  if (d.status === 'vouched') return `vouched for by ${d.by ?? 'a trusted device'}`
  return 'not vouched for: neither in the number nor in your rooms'
}

export const VerifyDialog = ({ store, user, onClose, returnFocus }: VerifyDialogProps) => {
  const [view, setView] = useState<SafetyView>()
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const [busy, setBusy] = useState(false)
  const numberId = useId()

  useEffect(() => {
    let live = true
    const load = async () => {
      await store.e2e.wake()
      const verified = store.e2e.verified
      if (!verified) throw new Error(store.e2e.problem() ?? 'This browser has no device for encrypted rooms.')
      const next = await verified.check(user)
      if (live) setView(next)
    }
    const fail = (err: unknown) => {
      if (live) setError(errorText(err))
    }
    void load().catch(fail)
    // Their devices or this account's changed while the number is shown: it is another one now.
    const changed = (e: EventOf<'devices'>) => {
      if (e.user === user || e.user === store.me) void load().catch(fail)
    }
    store.client.on('devices', changed)
    return () => {
      live = false
      store.client.off('devices', changed)
    }
  }, [store, user])

  const run = async (what: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      await what()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const confirm = (shown: SafetyView) =>
    run(async () => {
      const verified = store.e2e.verified
      if (!verified) return
      const { recorded, view: now } = await verified.confirm(shown)
      setView(now)
      if (recorded) setDone(`Recorded: ${user} is verified in this browser. A change of their devices will be shown.`)
      else
        setError(
          `The number changed while it was shown (a device of yours or of ${user}’s changed): nothing was recorded. Compare the new number above with ${user}.`,
        )
    })

  const forget = () =>
    run(async () => {
      const verified = store.e2e.verified
      if (!verified) return
      await verified.forget(user)
      setView(await verified.check(user))
      setDone(`${user} is no longer verified in this browser.`)
    })

  const check = view?.check
  return (
    <Modal title={`Verify ${user}`} class="verify-dialog" onClose={onClose} {...(returnFocus ? { returnFocus } : {})}>
      <p>
        Compare this number with {user} out of band: in person, or on a call where you recognise them. {user} sees the same
        number (<em>Verify</em> on your name in a members list, or <code>chathub verify {store.me}</code>).
      </p>
      {view === undefined || check === undefined ? (
        !error && <p role="status">Computing the safety number…</p>
      ) : (
        <>
          <section class="stack" aria-labelledby={numberId}>
            <h3 id={numberId}>Safety number of you and {user}</h3>
            <p class="safety-number">
              {view.lines.map((line, i) => (
                <span key={i}>{line}</span>
              ))}
            </p>
          </section>
          {check.status === 'verified' && check.verification && (
            <p class="verified-line">
              <VerifiedTag /> You compared this number with {user} on {when(check.verification.at)}.
            </p>
          )}
          {check.status === 'broken' && check.verification && (
            <div class="warning" role="alert">
              <p>
                <strong>Verification broken:</strong> {user}’s devices changed since you verified them on{' '}
                {when(check.verification.at)}: {view.changes}.
              </p>
              <p>Compare the number above with {user} again; mark them verified again only if it matches.</p>
            </div>
          )}
          {check.theirs.replaced.length > 0 && (
            <p class="warning">
              The hub lists {user}’s device {check.theirs.replaced.join(', ')} with another key than this browser saw: nothing is
              sent to {user} until you compare this number and confirm it.
            </p>
          )}
          {!view.comparable && (
            <p class="warning">
              {user} has no trusted device yet, so there is no safety number to compare. Ask them to use an encrypted room once
              (their device registers then), and look again.
            </p>
          )}
          <table class="device-table">
            <caption>{user}’s devices</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Trust</th>
              </tr>
            </thead>
            <tbody>
              {view.devices.map((d) => (
                <tr key={d.device}>
                  <td>
                    <span class="device-name">{d.name}</span>
                    <br />
                    <code class="device-id">{d.device}</code>
                  </td>
                  <td>
                    <code class="fingerprint">{d.fingerprint}</code>
                  </td>
                  <td>{trustText(d)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="row">
            {view.comparable && check.status !== 'verified' && (
              <button type="button" class="primary" disabled={busy} onClick={() => void confirm(view)}>
                {check.status === 'broken' ? `It matches: mark ${user} verified again` : `It matches: mark ${user} verified`}
              </button>
            )}
            {check.status !== 'unverified' && (
              <button type="button" disabled={busy} onClick={() => void forget()}>
                Forget that {user} is verified
              </button>
            )}
          </div>
        </>
      )}
      {done && <p role="status">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  )
}
