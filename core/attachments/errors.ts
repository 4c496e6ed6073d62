// Attachment error codes (CHATHUB_ATTACHMENT_*). Codes are API: add freely, never rename or reuse.
import { defineError } from '#core/errors'

const mib = (bytes: number) => `${Math.round((bytes / 1048576) * 10) / 10} MiB`

export const attachmentErrors = {
  tooLarge: defineError(
    'CHATHUB_ATTACHMENT_TOO_LARGE',
    413,
    (max: number) => `The file is larger than this hub accepts (${mib(max)}); send a smaller file.`,
  ),
  empty: defineError('CHATHUB_ATTACHMENT_EMPTY', 400, () => 'The upload is empty; send the file bytes as the body.'),
  notFound: defineError(
    'CHATHUB_ATTACHMENT_NOT_FOUND',
    404,
    (id: string) => `Attachment "${id}" does not exist.`,
  ),
  /** A private room's attachment asked for by a non-member: like the rest of the core, no room is named. */
  roomHidden: defineError(
    'CHATHUB_ROOM_NOT_FOUND',
    404,
    (id: string) => `Attachment "${id}" does not exist, or its room is not visible to you.`,
  ),
  notYours: defineError(
    'CHATHUB_ATTACHMENT_INVALID',
    400,
    (id: string, room: string) =>
      `Attachment "${id}" was not uploaded by you to "${room}"; upload it to this room first.`,
  ),
  imageTooLarge: defineError(
    'CHATHUB_ATTACHMENT_IMAGE_TOO_LARGE',
    413,
    (pixels: number, limit: number) =>
      `The image claims ${pixels} pixels, above this hub's limit of ${limit}; scale it down first.`,
  ),
  imageInvalid: defineError(
    'CHATHUB_ATTACHMENT_IMAGE_INVALID',
    400,
    (why: string) => `The image cannot be read (${why}); check that the file is complete.`,
  ),
  noThumbnail: defineError(
    'CHATHUB_ATTACHMENT_NO_THUMBNAIL',
    404,
    (id: string) => `Attachment "${id}" is not an image and has no thumbnail; download it instead.`,
  ),
}
