// Error codes of end-to-end encrypted rooms on the hub (listed in ERRORS.md; docs/e2e.md). Codes
// are API: add, never rename or reuse. What a device raises itself is in core/client/e2e/errors.ts.
import { ChatError, defineError } from '#core/errors'

export const e2eRoomErrors = {
  e2eDeviceRequired: defineError(
    'CHATHUB_E2E_DEVICE_REQUIRED',
    400,
    (what: string) => `To ${what}, this connection needs a device: send a "device" frame first (docs/protocol.md, "End-to-end encrypted rooms").`,
  ),
  e2eDeviceKeyMismatch: defineError(
    'CHATHUB_E2E_DEVICE_KEY_MISMATCH',
    409,
    (device: string) =>
      `Device "${device}" of your account is registered with another key. Use the key you registered it with, or register this one under a new device id (and remove the old device if it is lost).`,
  ),
  e2eVouchInvalid: defineError(
    'CHATHUB_E2E_VOUCH_INVALID',
    400,
    (why: string) => `Vouch refused: ${why}. Sign the vouch statement with a registered device of the same account.`,
  ),
  e2eDeviceNotFound: defineError(
    'CHATHUB_E2E_DEVICE_NOT_FOUND',
    404,
    (device: string) => `You have no device "${device}"; the "devices" frame lists yours.`,
  ),
  e2eDevicesFull: defineError(
    'CHATHUB_E2E_DEVICES_FULL',
    409,
    (max: number) => `Your account has ${max} devices, the most it may have; remove one you no longer use first.`,
  ),
  e2eKeyPackageInvalid: defineError(
    'CHATHUB_E2E_KEYPACKAGE_INVALID',
    400,
    (which: string, why: string) => `KeyPackage ${which} refused: ${why}. Nothing of this frame was stored; publish KeyPackages made with this device's credential and key.`,
  ),
  e2eKeyPackagesFull: defineError(
    'CHATHUB_E2E_KEYPACKAGES_FULL',
    409,
    (max: number, stored: number) =>
      `This device may have at most ${max} one-time KeyPackages and has ${stored}; publish more when the hub says it is low ("keypackages.low").`,
  ),
  e2eClaimRateLimited: (seconds: number) =>
    new ChatError(
      'CHATHUB_E2E_CLAIM_RATE_LIMITED',
      `Too many KeyPackage claims; try again in ${seconds}s.`,
      429,
      { retryAfter: seconds },
    ),
  e2eNotE2eRoom: defineError(
    'CHATHUB_E2E_NOT_E2E_ROOM',
    400,
    (room: string) => `"${room}" is not an end-to-end encrypted room; send messages there with "say".`,
  ),
  e2eRoomEncrypted: defineError(
    'CHATHUB_E2E_ROOM_ENCRYPTED',
    403,
    (room: string) =>
      `"${room}" is end-to-end encrypted: the hub carries only MLS messages there ("mls" from a device); plain messages, edits, reactions, bots and bridges cannot be used.`,
  ),
  e2eMessageInvalid: defineError(
    'CHATHUB_E2E_MESSAGE_INVALID',
    400,
    (why: string) => `MLS message refused: ${why}. Nothing was stored.`,
  ),
  e2eStaleEpoch: (room: string, epoch: number, current: number) =>
    new ChatError(
      'CHATHUB_E2E_STALE_EPOCH',
      `"${room}" is at epoch ${current}, not ${epoch}: fetch the messages you missed (join with since), apply them, then send again.`,
      409,
      { details: { epoch: current } },
    ),
  e2eRemovalPending: (room: string, users: string[]) =>
    new ChatError(
      'CHATHUB_E2E_REMOVAL_PENDING',
      `"${room}" still has to remove ${users.join(', ')} from its group: commit their removal (mls with "removed"), then send again.`,
      409,
      { details: { users } },
    ),
  e2eWelcomeInvalid: defineError(
    'CHATHUB_E2E_WELCOME_INVALID',
    400,
    (why: string) => `Welcome refused: ${why}. Nothing was stored.`,
  ),
  e2eGroupInfoInvalid: defineError(
    'CHATHUB_E2E_GROUPINFO_INVALID',
    400,
    (why: string) => `GroupInfo refused: ${why}. A Commit needs the new epoch's GroupInfo; nothing was stored.`,
  ),
  e2eRequired: defineError(
    'CHATHUB_E2E_REQUIRED',
    403,
    (user: string) =>
      `Direct conversations on this hub are end-to-end encrypted, and yours with "${user}" does not exist yet: open it from a device ("dm" with "e2e": true; chathub and the browser client do so themselves), or update your client.`,
  ),
}
