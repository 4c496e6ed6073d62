// Error codes of retention and erasure (listed in ERRORS.md). Codes are API: add, never rename or reuse.
import { defineError } from '#core/errors'

export const retentionErrors = {
  /** `room set --retention` with something that is not a number of days, `forever` or `default`. */
  invalid: defineError(
    'CHATHUB_RETENTION_INVALID',
    400,
    (value: string, why: string) =>
      `"${value}" is not a retention: ${why}. Give a number of days (30 or 30d, at most 36500), forever (keep every message) or default (the hub's retention.days).`,
  ),
  /** `user remove ~deleted`: the account that holds removed accounts' messages. */
  ghostReserved: defineError(
    'CHATHUB_USER_RESERVED',
    400,
    (name: string) =>
      `"${name}" holds the messages of removed accounts and of retention tombstones; it cannot be removed. Delete its messages with retention (\`chathub room set ROOM --retention 30d\`) instead.`,
  ),
}
