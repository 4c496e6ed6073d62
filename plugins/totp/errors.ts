// The totp plugin's error codes (TOTP_*). Codes are API: add freely, never rename or reuse.
import { ChatError, defineError } from '#core/plugin-api'

export const totpErrors = {
  codeRequired: (details: Record<string, unknown>) =>
    new ChatError(
      'TOTP_CODE_REQUIRED',
      'This account has two-factor login: send the current code from your authenticator app as "code" (or a recovery code).',
      401,
      { details },
    ),
  codeInvalid: defineError(
    'TOTP_CODE_INVALID',
    401,
    () => 'That code is wrong; check your authenticator app (and its clock) and try again.',
  ),
  codeReused: defineError(
    'TOTP_CODE_REUSED',
    401,
    () => 'That code was already used; wait for the next one from your authenticator app.',
  ),
  recoveryInvalid: defineError(
    'TOTP_RECOVERY_CODE_INVALID',
    401,
    () => 'That recovery code is wrong or was already used.',
  ),
  locked: (seconds: number) =>
    new ChatError(
      'TOTP_LOCKED',
      `Too many wrong codes for this account; try again in ${seconds}s.`,
      429,
      { retryAfter: seconds },
    ),
  notEnabled: defineError(
    'TOTP_NOT_ENABLED',
    409,
    () => 'Two-factor login is not enabled for this account; turn it on with `chathub totp setup`.',
  ),
  alreadyEnabled: defineError(
    'TOTP_ALREADY_ENABLED',
    409,
    () => 'Two-factor login is already on; turn it off first (`chathub totp disable`) to enrol a new device.',
  ),
  noPendingSetup: defineError(
    'TOTP_NO_PENDING_SETUP',
    409,
    () => 'There is no enrolment to confirm; start one with `chathub totp setup`.',
  ),
  requiredByPolicy: defineError(
    'TOTP_REQUIRED_BY_POLICY',
    403,
    () => 'This hub requires two-factor login for your account, so it cannot be turned off.',
  ),
  off: defineError('TOTP_OFF', 403, () => 'Two-factor login is turned off on this hub (plugins.totp.policy is "off").'),
  stepUpRequired: defineError(
    'TOTP_STEP_UP_REQUIRED',
    403,
    (minutes: number) =>
      `This action needs a fresh two-factor code: send a current code (--code), or enter one within ${minutes} minutes before.`,
  ),
  enrolmentRequired: defineError(
    'TOTP_ENROLMENT_REQUIRED',
    403,
    (user: string) => `User "${user}" must turn on two-factor login (\`chathub totp setup\`) before doing this.`,
  ),
  ticketInvalid: defineError(
    'TOTP_TICKET_INVALID',
    401,
    () => 'The login ticket is invalid or expired; log in again with your password.',
  ),
  secretUnreadable: defineError(
    'TOTP_SECRET_UNREADABLE',
    500,
    (user: string) =>
      `The stored two-factor secret of "${user}" cannot be decrypted (another server key, or a tampered row); an admin can reset it with \`chathub totp reset ${user}\`.`,
  ),
}

export type TotpErrorCode = ReturnType<(typeof totpErrors)[keyof typeof totpErrors]>['code']
