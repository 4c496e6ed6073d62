// The stable error codes of the device-side MLS layer (end-to-end encrypted rooms, docs/e2e.md).
// Codes are API: add freely, never rename or reuse. The SDK shows `message`; `details` carry the
// machine-readable part (the reason a message cannot be decrypted, the devices concerned).
import { ChatError } from '#core/errors'

/**
 * Why a message cannot be decrypted on this device: never dropped silently, it is shown as
 * "cannot decrypt: <reason> — <what to do>".
 */
export type CannotDecryptReason =
  | 'not_a_member'
  | 'epoch_too_old'
  | 'before_join'
  | 'missed_commit'
  | 'malformed'
  | 'unvouched_device'
  | 'keys_lost'
  | 'replayed'

const cannotDecryptMessages: Record<CannotDecryptReason, string> = {
  not_a_member:
    "This device is not in the room's encrypted group (it was removed, or never added). Ask a member to add it again; messages sent meanwhile stay unreadable here.",
  epoch_too_old:
    'It belongs to a key epoch whose keys this device has already deleted (it keeps the last few). It cannot be read on this device; another of your devices may have it.',
  before_join:
    'It was sent before this device joined the room: encrypted rooms have no history from before you joined.',
  missed_commit:
    'It was sent after a membership change this device has not processed yet. It is retried once the missing messages have been fetched.',
  malformed:
    'It is damaged or not a valid encrypted message for this room. Ask the sender to send it again.',
  unvouched_device:
    "It adds or comes from a device that none of its owner's trusted devices vouched for, so it was refused. Ask that user to vouch for the device from one of their others, and compare fingerprints (`chathub devices --user USER`).",
  keys_lost:
    'This device no longer has the keys of this room (its key store was reset or replaced). Ask a member to remove and re-add this device; earlier messages cannot be recovered here.',
  replayed: 'It was already decrypted on this device: a duplicate or a replay, ignored.',
}

/** What the SDK may show about the devices concerned (never key material). */
export interface DeviceRef {
  user: string
  device: string
}

const e2eError = <C extends string>(
  code: C,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
) => new ChatError<C>(code, message, 400, { cause, details })

export const e2eErrors = {
  /** `details.reason`: a CannotDecryptReason; `details.devices`: the refused devices (unvouched_device). */
  cannotDecrypt: (reason: CannotDecryptReason, cause?: unknown, devices?: DeviceRef[]) =>
    e2eError(
      'E2E_CANNOT_DECRYPT',
      `Cannot decrypt: ${cannotDecryptMessages[reason]}`,
      { reason, devices },
      cause,
    ),
  /** Adding a device, or joining a group holding one, that none of its owner's trusted devices vouched for. */
  unvouchedDevice: (devices: DeviceRef[]) =>
    e2eError(
      'E2E_UNVOUCHED_DEVICE',
      `Refused: ${devices.map((d) => `${d.user}/${d.device}`).join(', ')} ${devices.length === 1 ? 'is a device' : 'are devices'} none of the owner's trusted devices vouched for. Ask the owner to vouch for it from another of their devices, and compare fingerprints (\`chathub devices --user USER\`).`,
      { devices },
    ),
  /** A pinned device of `user` now has another key: someone (perhaps the hub) replaced it. */
  deviceKeyChanged: (user: string, devices: string[]) =>
    e2eError(
      'E2E_DEVICE_KEY_CHANGED',
      `The key of ${user}'s device ${devices.join(', ')} changed since this device last saw it. That should never happen: it can mean the hub is impersonating ${user}. Nothing is sent to ${user}'s devices until you compare fingerprints with them (\`chathub devices --user ${user}\`).`,
      { user, devices },
    ),
  welcomeNotForUs: () =>
    e2eError(
      'E2E_WELCOME_NOT_FOR_US',
      'This invitation to an encrypted room is for another device, or for a KeyPackage this device no longer has. Ask a member to add this device again.',
    ),
  keyPackageInvalid: (why: string, cause?: unknown) =>
    e2eError(
      'E2E_KEY_PACKAGE_INVALID',
      `A device's KeyPackage was refused: ${why}. Its owner's client has to publish new ones.`,
      { why },
      cause,
    ),
  commitPending: () =>
    e2eError(
      'E2E_COMMIT_PENDING',
      'A membership change of this device is still waiting for the hub; confirm or discard it before making another.',
    ),
  noCommitPending: () =>
    e2eError(
      'E2E_NO_COMMIT_PENDING',
      'There is no membership change waiting for the hub on this device.',
    ),
  commitInvalid: (why: string) =>
    e2eError('E2E_COMMIT_INVALID', `Cannot make this membership change: ${why}.`, { why }),
  notAMember: () =>
    e2eError(
      'E2E_NOT_A_MEMBER',
      "This device is no longer in the room's encrypted group, so it cannot send there. Ask a member to add it again.",
    ),
  payloadInvalid: (problems: string[]) =>
    e2eError('E2E_PAYLOAD_INVALID', `Not a valid encrypted-room message: ${problems.join('; ')}.`, {
      problems,
    }),
  fileCorrupt: (cause?: unknown) =>
    e2eError(
      'E2E_FILE_CORRUPT',
      'The encrypted file does not match its key or its hash: it was altered or damaged. Ask the sender to send it again.',
      undefined,
      cause,
    ),
  stateInvalid: (what: string, cause?: unknown) =>
    e2eError(
      'E2E_STATE_INVALID',
      `This device's saved encryption state (${what}) is damaged. Restore the key store from a copy, or remove this device (\`chathub devices remove ID\` from another) and start a new one.`,
      { what },
      cause,
    ),
  storeBusy: (file: string) =>
    e2eError(
      'E2E_STORE_BUSY',
      `The key store ${file} stayed locked by another chathub process; try again when it is done.`,
      { file },
    ),
  /** The store's device was exported to another machine (`chathub devices export`): this copy must not run. */
  deviceMoved: (file: string, at: number) =>
    e2eError(
      'E2E_DEVICE_MOVED',
      `This device was exported to another machine on ${new Date(at).toISOString()} and must not run here too (two copies of one device break each other's keys). Use the other machine; to start a new device here delete ${file} (your other device then vouches for it), or bring an export back with \`chathub devices import FILE\`.`,
      { file, at },
    ),
  /** The store changed while it was being exported (another process of the same device ran). */
  storeChanged: (file: string) =>
    e2eError(
      'E2E_STORE_CHANGED',
      `The key store ${file} changed while it was being exported (another chathub process of this device is running, such as \`chathub chat\`). Nothing was exported; stop it and export again.`,
      { file },
    ),
  /** An export passphrase shorter than `min` characters. */
  exportPassphraseTooShort: (min: number) =>
    e2eError(
      'E2E_EXPORT_PASSPHRASE_TOO_SHORT',
      `The passphrase must have at least ${min} characters: the export holds your device's private keys and messages. Choose a longer one (a few random words).`,
      { min },
    ),
  exportPassphraseWrong: () =>
    e2eError(
      'E2E_EXPORT_PASSPHRASE_WRONG',
      'Wrong passphrase for this device export (or its header was altered). Try again with the passphrase given when it was exported.',
    ),
  /** Not an export, an unknown version, or altered or damaged contents. */
  exportInvalid: (why: string, cause?: unknown) =>
    e2eError(
      'E2E_EXPORT_INVALID',
      `This is not a usable chathub device export: ${why}. Export the device again on the old machine.`,
      { why },
      cause,
    ),
  /** The export is the one made when the device left this store, or older: it ran elsewhere since. */
  exportOutdated: (device: string) =>
    e2eError(
      'E2E_EXPORT_OUTDATED',
      `This export of device ${device} is not newer than the moment the device left this home: it has run elsewhere since, and going back to this copy would break its keys there. Import a new export made on the machine that runs the device now (or pass --force if that machine is lost).`,
      { device },
    ),
  /** The export is of a device of another account (or hub) than the one logged in. */
  exportWrongAccount: (why: string) =>
    e2eError(
      'E2E_EXPORT_WRONG_ACCOUNT',
      `This export cannot be imported here: ${why}. Log in as the device's owner on its hub (\`chathub login\`) first.`,
      { why },
    ),
}

export type E2eErrorCode = ReturnType<(typeof e2eErrors)[keyof typeof e2eErrors]>['code']
