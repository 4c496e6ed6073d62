// How the rooms views show a refusal: the hub's message with its stable code (CHATHUB_*).
import { isChatError } from '#core/errors'

export const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))
