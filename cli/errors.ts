// Error codes that only the CLI raises (input it cannot get, files it will not overwrite). Codes are API.
import { defineError } from '#core/errors'

export const cliErrors = {
  passwordRequired: defineError(
    'CHATHUB_PASSWORD_REQUIRED',
    400,
    () => 'No terminal to ask for the password; pipe it in and pass --password-stdin.',
  ),
  /** `chathub passwd --password-stdin` without both lines. */
  passwordsRequired: defineError(
    'CHATHUB_PASSWORD_REQUIRED',
    400,
    () =>
      'Pipe the current password and the new one on two lines of stdin with --password-stdin, or run this on a terminal to be asked.',
  ),
  passwordMismatch: defineError(
    'CHATHUB_PASSWORD_MISMATCH',
    400,
    () => 'The two passwords differ; try again.',
  ),
  cancelled: defineError('CHATHUB_CANCELLED', 400, () => 'Cancelled.'),
  configExists: defineError(
    'CHATHUB_CONFIG_EXISTS',
    409,
    (file: string) =>
      `${file} already exists; pass --force to overwrite it, or --config to write elsewhere.`,
  ),
  messageEmpty: defineError(
    'CHATHUB_MESSAGE_EMPTY',
    400,
    () => 'Nothing to send: give the text as an argument or pipe it on stdin.',
  ),
  serverUrlInvalid: defineError(
    'CHATHUB_SERVER_URL_INVALID',
    400,
    (url: string) => `"${url}" is not a hub URL; use one like http://127.0.0.1:8080.`,
  ),
  codeRequired: defineError(
    'TOTP_CODE_REQUIRED',
    401,
    () =>
      'This account needs a two-factor code; pass --code with the code from your authenticator app.',
  ),
  connectionLost: defineError(
    'CHATHUB_CONNECTION_CLOSED',
    503,
    (code: number, reason: string) =>
      `The hub closed the connection (${code}${reason ? ` ${reason}` : ''}).`,
  ),
  fileExists: defineError(
    'CHATHUB_FILE_EXISTS',
    409,
    (file: string) => `${file} already exists; pass --force to overwrite it, or choose another --out.`,
  ),
  fileUnwritable: defineError(
    'CHATHUB_FILE_UNWRITABLE',
    400,
    (file: string, why: string) => `Cannot write ${file} (${why}); choose another --out.`,
  ),
  noAttachment: defineError(
    'CHATHUB_MESSAGE_NO_ATTACHMENT',
    404,
    (room: string, seq: number, n: number, count: number) =>
      count === 0
        ? `Message #${seq} in "${room}" has no attachment.`
        : count === 1
          ? `Message #${seq} in "${room}" has one attachment, not ${n}; leave out --attachment.`
          : `Message #${seq} in "${room}" has ${count} attachments, not ${n}; pick one with --attachment 1..${count}.`,
  ),
  downloadIncomplete: defineError(
    'CHATHUB_DOWNLOAD_INCOMPLETE',
    502,
    (name: string, got: number, size: number) =>
      `The download of ${name} stopped after ${got} of ${size} bytes; nothing was saved. Try again.`,
  ),
  /** `chathub chat --all` for a user in no room and no direct conversation. */
  nothingToFollow: defineError(
    'CHATHUB_CHAT_NOTHING_TO_FOLLOW',
    404,
    () => 'You are in no room and no direct conversation yet; name one with --room ROOM or --dm USER.',
  ),
  /** `chathub dm --e2e USER` when the conversation exists already in clear. */
  directNotE2e: defineError(
    'CHATHUB_DIRECT_NOT_E2E',
    409,
    (user: string) =>
      `Your conversation with ${user} exists already and is not end-to-end encrypted; it stays so. Nothing was sent: send without --e2e to write there in clear.`,
  ),
  /** `chathub devices export/import` with no passphrase to be had. */
  passphraseRequired: defineError(
    'CHATHUB_PASSPHRASE_REQUIRED',
    400,
    (why: string) =>
      `${why}; pass --passphrase-file FILE, set CHATHUB_EXPORT_PASSPHRASE, or run this on a terminal to be asked.`,
  ),
  passphraseMismatch: defineError(
    'CHATHUB_PASSPHRASE_MISMATCH',
    400,
    () => 'The two passphrases differ; try again.',
  ),
  /** A file argument the command would overwrite (`devices export FILE`). */
  outputExists: defineError(
    'CHATHUB_FILE_EXISTS',
    409,
    (file: string) => `${file} already exists; pass --force to overwrite it, or choose another file.`,
  ),
  /** A file argument that cannot be written (`devices export FILE`); nothing is left behind. */
  cannotWrite: defineError(
    'CHATHUB_FILE_UNWRITABLE',
    400,
    (file: string, why: string) => `Cannot write ${file} (${why}); choose another file.`,
  ),
  fileUnreadable: defineError(
    'CHATHUB_FILE_UNREADABLE',
    400,
    (file: string, why: string) => `Cannot read ${file} (${why}).`,
  ),
  /** `chathub devices export` in a home that never made a device for the account. */
  deviceNone: defineError(
    'CHATHUB_DEVICE_NONE',
    404,
    (user: string, file: string) =>
      `This CLI home has no device for ${user} on this hub yet (no ${file}): there is nothing to export.`,
  ),
  /** `chathub devices import` over a device this home still uses. */
  deviceExists: defineError(
    'CHATHUB_DEVICE_EXISTS',
    409,
    (user: string, file: string) =>
      `This CLI home already is a device of ${user} (${file}); importing would replace it and lose its keys. Pass --force if you mean to give that device up (then remove it from your account with \`chathub devices remove ID\`).`,
  ),
  verifySelf: defineError(
    'CHATHUB_VERIFY_SELF',
    400,
    () =>
      'A safety number is compared with someone else; your own devices are checked with `chathub devices` and vouched for with `chathub devices vouch ID`.',
  ),
  verifyNoDevices: defineError(
    'CHATHUB_VERIFY_NO_DEVICES',
    404,
    (user: string) =>
      `${user} has no trusted device yet, so there is no safety number to compare. Ask them to use an encrypted room once (their device registers then), and try again.`,
  ),
  verifyNumberChanged: defineError(
    'CHATHUB_VERIFY_NUMBER_CHANGED',
    409,
    (user: string) =>
      `The safety number with ${user} is no longer the one given with --expect (their devices or yours changed meanwhile). Nothing was recorded; run \`chathub verify ${user}\` and compare the new number.`,
  ),
  kicked: defineError(
    'CHATHUB_ROOM_KICKED',
    403,
    (room: string, by: string, reason: string) =>
      `${by} removed you from "${room}"${reason ? `: ${reason}` : ''}.`,
  ),
}
