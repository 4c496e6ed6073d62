// Error codes of direct conversations (listed in ERRORS.md). Codes are API: add, never rename or reuse.
import { defineError } from '#core/errors'

export const directErrors = {
  /** invite, kick, ban, unban, role or leave in a direct room. */
  fixed: defineError(
    'CHATHUB_DIRECT_ROOM_FIXED',
    403,
    (what: string) =>
      `A direct conversation always has exactly its two participants and no owner: you cannot ${what}.`,
  ),
  self: defineError(
    'CHATHUB_DIRECT_SELF',
    400,
    () => 'You cannot open a direct conversation with yourself; name another user.',
  ),
  peerDisabled: defineError(
    'CHATHUB_DIRECT_PEER_DISABLED',
    403,
    (user: string) => `User "${user}" is disabled and cannot receive direct messages.`,
  ),
  nameReserved: defineError(
    'CHATHUB_ROOM_NAME_RESERVED',
    400,
    (room: string) =>
      `"${room}" is reserved for direct conversations (names dm-N-N); choose another room name.`,
  ),
  notFound: defineError(
    'CHATHUB_DIRECT_NOT_FOUND',
    404,
    (user: string) => `You have no direct conversation with "${user}" yet; start one with \`chathub dm ${user} TEXT\`.`,
  ),
}
