// Error codes of the stego plugin (STEGO_*). Codes are API: add freely, never rename or reuse.
// core/errors.ts itself, not the plugin API: the codec also runs in the browser (web/src/stego),
// and this file, which imports nothing, is all of the core it may load there.
import { defineError } from '#core/errors'

export const stegoErrors = {
  payloadTooLarge: defineError(
    'STEGO_PAYLOAD_TOO_LARGE',
    413,
    (needBytes: number, maxBytes: number) =>
      `The payload needs about ${needBytes} bytes but this image carries at most ${maxBytes} bytes; ` +
      'use a larger image or a smaller payload.',
  ),
  /** Wrong passphrase, nothing hidden and a re-encoded image are deliberately indistinguishable. */
  noMessage: defineError(
    'STEGO_NO_MESSAGE',
    404,
    () => 'No hidden message for this passphrase.',
  ),
  imageInvalid: defineError(
    'STEGO_IMAGE_INVALID',
    400,
    (why: string) => `The image cannot be read (${why}); check that the file is a complete image.`,
  ),
  imageTooLarge: defineError(
    'STEGO_IMAGE_TOO_LARGE',
    413,
    (pixels: number, limit: number) =>
      `The image has ${pixels} pixels, above the limit of ${limit}; scale it down first.`,
  ),
  unsupportedFormat: defineError(
    'STEGO_UNSUPPORTED_FORMAT',
    415,
    (format: string) =>
      `Images of type "${format}" are not supported; use PNG, JPEG, WebP, GIF or TIFF.`,
  ),
  passphraseRequired: defineError(
    'STEGO_PASSPHRASE_REQUIRED',
    400,
    () => 'A non-empty passphrase is required.',
  ),
  fileNameInvalid: defineError(
    'STEGO_FILE_NAME_INVALID',
    400,
    () => 'The file name must be 1 to 255 bytes of UTF-8 with no path separators or control characters.',
  ),
  optionInvalid: defineError(
    'STEGO_OPTION_INVALID',
    400,
    (why: string) => `Invalid option: ${why}.`,
  ),
}
export type StegoErrorCode = ReturnType<(typeof stegoErrors)[keyof typeof stegoErrors]>['code']
