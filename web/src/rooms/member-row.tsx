// One member in the members panel: name, role, online or not, and what the user may do to them —
// promote to moderator or demote to member (the owner), kick or ban with an optional reason (moderators
// and the owner, on lower ranks). Actions the user's role cannot do are not shown; a refusal
// shows the hub's code. In an encrypted room, anyone else can be verified (their safety number), and
// a member verified in this browser is marked so.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { MemberView, RoleName, RoomSummary } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { VerificationTag } from '../e2e/verification-marks.tsx'
import { VerifyButton } from '../e2e/verify-button.tsx'
import { errorText } from './error-text.ts'
import { mayRemove, maySetRole } from './roles.ts'

interface MemberRowProps {
  store: ChatStore
  room: RoomSummary
  member: MemberView
  /** The user's own role in the room. */
  mine: RoleName | undefined
  /** Something changed; `gone` when the member left the list (focus moves to the panel). */
  onChanged: (gone: boolean) => void
}

type Removal = 'kick' | 'ban'

export const MemberRow = ({ store, room, member: m, mine, onChanged }: MemberRowProps) => {
  const [removal, setRemoval] = useState<Removal>()
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const kickButton = useRef<HTMLButtonElement>(null)
  const banButton = useRef<HTMLButtonElement>(null)
  /** After the reason form closes: the button that opened it gets the focus back. */
  const refocus = useRef<Removal | undefined>(undefined)
  const self = m.user === store.me
  const roles = !self && maySetRole(room, mine, m.role)
  const removable = !self && mayRemove(room, mine, m.role)
  const verifiable = !self && room.e2e !== undefined

  useEffect(() => {
    if (removal !== undefined || refocus.current === undefined) return
    ;(refocus.current === 'ban' ? banButton : kickButton).current?.focus()
    refocus.current = undefined
  }, [removal])

  const run = async (what: () => Promise<unknown>, gone: boolean) => {
    if (busy) return false
    setBusy(true)
    setError(undefined)
    try {
      await what()
      onChanged(gone)
      return true
    } catch (err) {
      setError(errorText(err))
      onChanged(false) // refused: the user's role may have changed meanwhile (the hub does not say)
      return false
    } finally {
      setBusy(false)
    }
  }

  const cancel = () => {
    refocus.current = removal
    setRemoval(undefined)
    setReason('')
  }

  const remove = async (e: Event) => {
    e.preventDefault()
    const why = reason.trim() === '' ? undefined : reason.trim()
    const done = await run(
      () => (removal === 'ban' ? store.client.ban(room.name, m.user, why) : store.client.kick(room.name, m.user, why)),
      true,
    )
    if (done) setRemoval(undefined)
  }

  const ask = (what: Removal) => () => {
    setReason('')
    setRemoval(what)
  }

  return (
    <li class="member">
      <div class="member-line">
        <span class={`presence-dot${m.online ? ' online' : ''}`} aria-hidden="true" />
        <span class="member-name">
          {m.user}
          {self && <span class="muted"> (you)</span>}
        </span>
        <span class={`tag role-${m.role}`}>{m.role}</span>
        {verifiable && <VerificationTag store={store} user={m.user} />}
        <span class="member-state">{m.online ? 'online' : 'offline'}</span>
      </div>
      {removal !== undefined ? (
        <form class="member-form" onSubmit={remove}>
          <label class="field">
            {`Reason for ${removal === 'ban' ? 'banning' : 'kicking'} ${m.user} (optional)`}
            <input
              autoFocus
              maxLength={256}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  // Only the form closes: the dialog around the panel (on phones) stays open.
                  e.preventDefault()
                  e.stopPropagation()
                  cancel()
                }
              }}
            />
          </label>
          <div class="row">
            <button type="submit" class="danger" aria-disabled={busy}>
              {removal === 'ban' ? `Ban ${m.user}` : `Kick ${m.user}`}
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        (roles || removable || verifiable) && (
          <div class="member-actions">
            {verifiable && <VerifyButton store={store} user={m.user} />}
            {roles && (
              <button
                type="button"
                class="small"
                aria-disabled={busy}
                aria-label={m.role === 'moderator' ? `Demote ${m.user} to member` : `Promote ${m.user} to moderator`}
                onClick={() =>
                  void run(() => store.client.setRole(room.name, m.user, m.role === 'moderator' ? 'member' : 'moderator'), false)
                }
              >
                {m.role === 'moderator' ? 'Demote' : 'Promote'}
              </button>
            )}
            {removable && (
              <>
                <button type="button" class="small" ref={kickButton} aria-disabled={busy} aria-label={`Kick ${m.user}`} onClick={ask('kick')}>
                  Kick
                </button>
                <button type="button" class="small danger" ref={banButton} aria-disabled={busy} aria-label={`Ban ${m.user}`} onClick={ask('ban')}>
                  Ban
                </button>
              </>
            )}
          </div>
        )
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  )
}
