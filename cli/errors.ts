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
  kicked: defineError(
    'CHATHUB_ROOM_KICKED',
    403,
    (room: string, by: string, reason: string) =>
      `${by} removed you from "${room}"${reason ? `: ${reason}` : ''}.`,
  ),
}
