// The webhooks plugin's error codes (WEBHOOKS_*), answered as { code, message } with the HTTP status.
import { ChatError, defineError } from '#core/plugin-api'

export const webhookErrors = {
  secretInvalid: defineError(
    'WEBHOOKS_SECRET_INVALID',
    401,
    () => 'Unknown webhook or wrong secret; check the URL `chathub webhook create` printed.',
  ),
  jsonInvalid: defineError(
    'WEBHOOKS_JSON_INVALID',
    400,
    (why: string) =>
      `The body is not valid JSON (${why}); send {"text": "...", "username": "..."}.`,
  ),
  payloadInvalid: defineError(
    'WEBHOOKS_PAYLOAD_INVALID',
    400,
    (why: string) => `The payload was refused: ${why}. Send {"text": "...", "username": "..."}.`,
  ),
  bodyTooLarge: defineError(
    'WEBHOOKS_BODY_TOO_LARGE',
    413,
    (max: number) => `The body is larger than ${max} bytes; send shorter messages.`,
  ),
  unavailable: defineError(
    'WEBHOOKS_UNAVAILABLE',
    503,
    () =>
      'The room cannot take webhook messages right now (link starting, or the hub refused it); retry later.',
  ),
  signingSecretMissing: defineError(
    'WEBHOOKS_SIGNING_SECRET_MISSING',
    400,
    () => 'Outgoing webhooks need plugins.webhooks.signingSecret (16+ characters) in the config.',
  ),
  targetInvalid: defineError(
    'WEBHOOKS_TARGET_INVALID',
    400,
    (address: string) => `"${address}" is neither an http(s) URL nor in/<hook id>.`,
  ),
  hookExists: defineError(
    'WEBHOOKS_HOOK_EXISTS',
    409,
    (room: string, name: string) =>
      `Room "${room}" already has a webhook named "${name}"; pick another --name.`,
  ),
  destinationRefused: defineError(
    'WEBHOOKS_DESTINATION_REFUSED',
    403,
    (host: string, address: string) =>
      `Outgoing webhooks may not reach ${host} (${address}): a loopback, link-local, private or other special-purpose address. ` +
      'Allow it with plugins.webhooks.allowDestinations (addresses or CIDR ranges) or allowPrivateDestinations: true.',
  ),
  redirectNotFollowed: defineError(
    'WEBHOOKS_REDIRECT_NOT_FOLLOWED',
    502,
    (status: number, location: string) =>
      `The receiver answered HTTP ${status} with a redirect to ${location || '(no location)'}; redirects are not followed: link the final URL instead.`,
  ),
  hookNotFound: defineError(
    'WEBHOOKS_HOOK_NOT_FOUND',
    404,
    (id: string) => `No incoming webhook with id "${id}"; \`chathub webhook list\` shows them.`,
  ),
}

export const rateLimited = (seconds: number): ChatError =>
  new ChatError('WEBHOOKS_RATE_LIMITED', `Too many webhook posts; retry in ${seconds}s.`, 429, {
    retryAfter: seconds,
  })
