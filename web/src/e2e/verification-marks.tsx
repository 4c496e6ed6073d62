// How the views mark users verified in this browser (docs/e2e.md, "Verifying a contact"): a tag
// beside a member — "verified", or "verification broken" once their trusted devices changed — and,
// in an encrypted room's header, a warning naming each verified member whose devices changed, with a
// button to compare the number again (as `chathub send` and `chat` warn on stderr). Only this is in
// the chat's JS: the checks (verifications.ts) load with the device, the dialog when opened.
import { useEffect, useState } from 'preact/hooks'
import type { ChatStore } from '../chat/store.ts'
import { useVerifyDialog } from './verify-button.tsx'

export const VerifiedTag = () => <span class="tag verified">✓ verified</span>

/** `user`'s mark: verified, verification broken, or nothing (not verified in this browser). */
export const VerificationTag = ({ store, user }: { store: ChatStore; user: string }) => {
  const status = store.e2e.verified?.status(user)
  if (status === 'verified') return <VerifiedTag />
  if (status === 'broken') return <span class="tag verification-broken">verification broken</span>
  return null
}

const sameNames = (a: string[], b: string[]): boolean => a.length === b.length && a.every((name, i) => name === b[i])

/** In an encrypted room's header: its verified members whose trusted devices changed since. */
export const BrokenVerifications = ({ store, room }: { store: ChatStore; room: string }) => {
  const verified = store.e2e.verified
  const watching = verified?.any === true && store.isEncrypted(room)
  const [members, setMembers] = useState<{ room: string; names: string[] }>()
  const revision = store.revision
  // The dialog outlives the warning (confirming the new number takes it away): focus then goes to the room's title.
  const { open, dialog } = useVerifyDialog(store, () => document.getElementById('room-title'))

  // Opening the room checks its verified members: their devices may have changed while this tab
  // followed none of their rooms (and so heard no `devices` event).
  useEffect(() => {
    if (!watching || !verified) return
    void store
      .memberNames(room)
      .then((names) => verified.recheck(names))
      .catch(() => {})
  }, [store, room, watching, verified])

  // Who is in the room (the store keeps the names until someone joins or leaves).
  useEffect(() => {
    if (!watching) return
    let live = true
    store.memberNames(room).then(
      (names) => {
        if (live) setMembers((was) => (was?.room === room && sameNames(was.names, names) ? was : { room, names }))
      },
      () => {},
    )
    return () => {
      live = false
    }
  }, [store, room, watching, revision])

  const broken = watching && members?.room === room ? (verified?.broken() ?? []).filter(([user]) => members.names.includes(user)) : []
  return (
    <>
      {broken.length > 0 && (
        <div class="verification-warnings" role="alert">
          {broken.map(([user, changes]) => (
            <p key={user} class="warning">
              <strong>Verification broken:</strong> {user}’s devices changed since you verified them ({changes}). Messages still go to{' '}
              {user}’s trusted devices: compare safety numbers with {user} again to know whose they are.{' '}
              <button type="button" class="small" aria-haspopup="dialog" onClick={() => open(user)}>
                Verify {user} again
              </button>
            </p>
          ))}
        </div>
      )}
      {dialog}
    </>
  )
}
