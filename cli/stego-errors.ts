// Error codes the stego commands raise on the client (STEGO_*), beside the codec's own in
// plugins/stego/errors.ts. Codes are API: add freely, never rename or reuse.
import { defineError } from '#core/errors'

export const stegoCliErrors = {
  passphraseRequired: defineError(
    'STEGO_PASSPHRASE_REQUIRED',
    400,
    (why: string) =>
      `${why}; pass --passphrase-file FILE or --passphrase-env VAR, or run on a terminal to be asked ` +
      '(a passphrase is never taken as a plain flag: it would land in the shell history).',
  ),
  passphraseMismatch: defineError('STEGO_PASSPHRASE_MISMATCH', 400, () => 'The two passphrases differ; try again.'),
  fileUnreadable: defineError(
    'STEGO_FILE_UNREADABLE',
    400,
    (file: string, why: string) => `Cannot read ${file} (${why}).`,
  ),
  outputExists: defineError(
    'STEGO_OUTPUT_EXISTS',
    409,
    (file: string) => `${file} already exists; pass --force to overwrite it, or choose another --out.`,
  ),
  noImage: defineError(
    'STEGO_NO_IMAGE',
    404,
    (room: string, seq: number) => `Message #${seq} in "${room}" has no image attachment to reveal.`,
  ),
}
