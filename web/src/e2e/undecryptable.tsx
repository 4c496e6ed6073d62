// A message of an end-to-end encrypted room this device cannot decrypt: never dropped, shown as
// "cannot decrypt: <reason> — <what to do>" with its stable code (ERRORS.md, "End-to-end encryption
// on the device"; the CLI prints the same reason and code). A reason this client does not know
// shows the message the device gave.
import type { MessageView } from '#core/protocol/messages'

const REASONS: Record<string, [reason: string, whatToDo: string]> = {
  before_join: [
    'sent before this device joined the room',
    'encrypted rooms have no history from before you joined; nothing can bring it back here',
  ],
  missed_commit: [
    'sent after a membership change this device has not processed yet',
    'it is retried when the missing messages arrive',
  ],
  not_a_member: [
    'this device is not in the room’s encrypted group',
    'ask a member to add it again; messages sent meanwhile stay unreadable here',
  ],
  epoch_too_old: ['its keys were already deleted on this device', 'another of your devices may have it'],
  malformed: ['it is damaged or not a message of this room', 'ask the sender to send it again'],
  unvouched_device: [
    'it involves a device its owner never vouched for',
    'ask them to vouch for it from another of their devices, after comparing fingerprints',
  ],
  keys_lost: [
    'this device no longer has the keys it needed',
    'ask a member to remove and re-add this device; earlier messages cannot be recovered here',
  ],
  replayed: ['it was already decrypted on this device', 'a duplicate or a replay: nothing to do'],
}

export const Undecryptable = ({ problem }: { problem: NonNullable<MessageView['undecryptable']> }) => {
  const known = Object.hasOwn(REASONS, problem.reason) ? REASONS[problem.reason] : undefined
  const [reason, whatToDo] = known ?? [problem.reason.replaceAll('_', ' '), problem.message]
  return (
    <p class="body undecryptable" title={problem.message}>
      cannot decrypt: {reason} — {whatToDo} <code class="code">{problem.code}</code>
    </p>
  )
}
