// Attachment error codes (CHATHUB_ATTACHMENT_*). Codes are API: add freely, never rename or reuse.
import { ChatError, defineError } from '#core/errors'

const mib = (bytes: number) => `${Math.round((bytes / 1048576) * 10) / 10} MiB`

/** A byte count for people: 512 B, 12.5 KiB, 1.5 MiB, 2 GiB. */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : Math.round(value * 10) / 10} ${units[unit]}`
}

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
  /**
   * The uploader's stored attachments plus this upload would pass attachments.quotaBytesPerUser.
   * 413 like any upload the hub will not take from this user; `quotaBytes` and `usedBytes` ride along.
   */
  quotaExceeded: (usedBytes: number, quotaBytes: number) =>
    new ChatError(
      'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED',
      `This upload would take your attachments past your quota of ${formatBytes(quotaBytes)} ` +
        `(${formatBytes(usedBytes)} already stored or being uploaded). Delete messages with files you no ` +
        'longer need (their space is freed at the next cleanup), or ask an admin to raise attachments.quotaBytesPerUser.',
      413,
      { details: { quotaBytes, usedBytes } },
    ),
  /** The whole hub's attachments would pass attachments.maxTotalBytes: the server's problem, hence 507 (RFC 4918 §11.5). */
  storageFull: (usedBytes: number, limitBytes: number) =>
    new ChatError(
      'CHATHUB_ATTACHMENT_STORAGE_FULL',
      `The hub's attachment storage is full (${formatBytes(usedBytes)} of ${formatBytes(limitBytes)}); ` +
        'try again later, or ask an admin to free space or raise attachments.maxTotalBytes.',
      507,
      { details: { limitBytes, usedBytes } },
    ),
}
