// Bridge error codes (CHATHUB_BRIDGE_*), shared by the runner, the bridge plugins and the CLI.
import { defineError } from '#core/errors'

export const bridgeErrors = {
  targetInvalid: defineError(
    'CHATHUB_BRIDGE_TARGET_INVALID',
    400,
    (target: string, why: string) => `Bridge target "${target}" is not valid: ${why}.`,
  ),
  networkUnknown: defineError(
    'CHATHUB_BRIDGE_NETWORK_UNKNOWN',
    400,
    (network: string) =>
      `No bridge for network "${network}"; targets look like irc:<server>/#channel or webhook:https://...`,
  ),
  linkExists: defineError(
    'CHATHUB_BRIDGE_LINK_EXISTS',
    409,
    (room: string, target: string) => `Room "${room}" is already linked to ${target}.`,
  ),
  linkNotFound: defineError(
    'CHATHUB_BRIDGE_LINK_NOT_FOUND',
    404,
    (room: string, target: string) =>
      `Room "${room}" is not linked to ${target}; see \`chathub bridge list\`.`,
  ),
  accountTaken: defineError(
    'CHATHUB_BRIDGE_ACCOUNT_TAKEN',
    409,
    (name: string) =>
      `The bridge needs the account "${name}", but a non-bridge account has that name; rename it.`,
  ),
}
