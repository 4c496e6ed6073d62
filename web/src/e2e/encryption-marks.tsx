// How the views mark an end-to-end encrypted room: a lock beside its name (rooms list, room header)
// and, in its header, who can read it. The room's weakest link: a member that reads on the server's
// side (a bot running on the hub, a bridge where plaintext leaves) makes the room encrypted "except
// for" it; the hub has no such members yet (docs/e2e.md), so no caller passes any today.

/** A member of an encrypted room that reads it outside the members' devices, and where. */
export interface WeakLink {
  /** "bot greeter", "IRC bridge". */
  name: string
  /** "runs on the hub", "plaintext leaves at the bridge". */
  why: string
}

/** A padlock, named for screen readers (the rooms list reads "#secret, end-to-end encrypted"). */
export const LockIcon = () => (
  <svg class="lock-icon" role="img" aria-label="end-to-end encrypted" viewBox="0 0 16 16" width="14" height="14">
    <title>end-to-end encrypted</title>
    <path
      fill="currentColor"
      d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm2 6H6V4.5a2 2 0 1 1 4 0V7Z"
    />
  </svg>
)

/** The line under an encrypted room's name: who can read it, and that it has no history from before you joined. */
export const EncryptionLine = ({ exceptFor = [] }: { exceptFor?: WeakLink[] }) => (
  <p class="encryption-line">
    {exceptFor.length === 0
      ? 'End-to-end encrypted: only members’ devices can read it.'
      : `End-to-end encrypted except for: ${exceptFor.map((w) => `${w.name} (${w.why})`).join(', ')}.`}{' '}
    No history from before you joined.
  </p>
)
