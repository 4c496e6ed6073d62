// The irc plugin's error codes (IRC_*).
import { defineError } from '#core/plugin-api'

export const ircErrors = {
  serverUnknown: defineError(
    'IRC_SERVER_UNKNOWN',
    400,
    (name: string) =>
      `No IRC server "${name}" under plugins.irc.servers; add it to the config first.`,
  ),
  channelInvalid: defineError(
    'IRC_CHANNEL_INVALID',
    400,
    (address: string) =>
      `"${address}" is not <server>/<#channel> (channels start with # or &, no spaces or commas).`,
  ),
}
