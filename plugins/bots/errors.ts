// The bots plugin's error codes (BOTS_*): what a user or admin sees, with what to do.
import { defineError } from '#core/plugin-api'

export const botsErrors = {
  notFound: defineError('BOTS_NOT_FOUND', 404, (name: string) =>
    `No bot named "${name}" is configured; add it under plugins.bots.bots in the config.`),
  nameTaken: defineError('BOTS_NAME_TAKEN', 409, (name: string) =>
    `The account "${name}" exists and is not a bot; rename the bot in plugins.bots.bots.`),
  commandForbidden: defineError('BOTS_COMMAND_FORBIDDEN', 403, (cmd: string) =>
    `You may not run /${cmd} here; ask a room moderator or an admin.`),
  notHere: defineError('BOTS_COMMAND_NOT_HERE', 404, (cmd: string) =>
    `No bot in this room offers /${cmd}; /help lists the commands you may run here.`),
  unavailable: defineError('BOTS_UNAVAILABLE', 503, (name: string) =>
    `The bot "${name}" is not running right now; try again shortly or ask an admin (chathub bot list).`),
  commandFailed: defineError('BOTS_COMMAND_FAILED', 500, (cmd: string) =>
    `The bot could not finish /${cmd}; an admin can see why with chathub bot logs.`),
  overrunCooldown: defineError('BOTS_OVERRUN_COOLDOWN', 429, (name: string, seconds: number) =>
    `Your recent messages made the bot "${name}" run over its time budget too often; it ignores you for ${seconds} s.`),
  storeQuota: defineError('BOTS_STORE_QUOTA', 413, (limit: number) =>
    `The bot's store is full (${limit} bytes); delete keys or raise plugins.bots.storeQuotaBytes.`),
  fetchDenied: defineError('BOTS_FETCH_DENIED', 403, (host: string) =>
    `Fetching from ${host} is not allowed; add it to the bot's fetchAllow list.`),
  fetchFailed: defineError('BOTS_FETCH_FAILED', 502, (why: string) => `The fetch failed: ${why}.`),
  fileInvalid: defineError('BOTS_FILE_INVALID', 400, (file: string, why: string) =>
    `The bot file ${file} cannot be loaded: ${why}.`),
}
