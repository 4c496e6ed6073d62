// The client commands' way to the hub of the stored session: HTTP calls with the token, or a
// WebSocket client that is closed afterwards. Loaded lazily by commands (it pulls in the SDK).
import { backoffDelay } from '#core/backoff'
import type { E2eSession } from '#core/client/e2e/session'
import type { DeviceStore } from '#core/client/e2e/store'
import type { ChatClient } from '#core/client/sdk'
import { httpCall } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import { type Credentials, connectStored, requireCredentials } from './credentials.ts'
import { cliErrors } from './errors.ts'

/** This CLI home's end-to-end session and device store (`chathub devices`). */
export interface DeviceAccess {
  e2e: E2eSession
  store: DeviceStore
}

/** Run `fn` with a connected, authenticated client; the socket is closed afterwards. */
export const withClient = async <T>(
  fn: (client: ChatClient, creds: Credentials, device: DeviceAccess) => Promise<T>,
): Promise<T> => {
  const { client, creds, e2e, store } = await connectStored()
  try {
    return await fn(client, creds, { e2e, store })
  } finally {
    await client.close()
  }
}

/** Failures after which a send may have been lost on the way: worth another try with the same txn. */
const RETRYABLE = new Set([
  'CHATHUB_CONNECTION_CLOSED',
  'CHATHUB_TIMEOUT',
  'CHATHUB_SERVER_UNREACHABLE',
  // The hub was stopping (a restart): the frame was answered, not stored.
  'CHATHUB_SHUTTING_DOWN',
])
const ATTEMPTS = 3

/**
 * withClient, tried again (up to 3 times, with back-off) when the connection failed. Only for
 * idempotent work: a send carries its txn, so a retry of a send that did arrive is stored once.
 */
export const withClientRetried = async <T>(
  fn: (client: ChatClient, creds: Credentials, device: DeviceAccess) => Promise<T>,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withClient(fn)
    } catch (err) {
      if (attempt >= ATTEMPTS || !isChatError(err) || !RETRYABLE.has(err.code)) throw err
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { minMs: 250, maxMs: 4000 })))
    }
  }
}

/** GET (or POST) an /api/v1 route of the stored session's hub with its token. */
export const apiCall = <T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> => {
  const creds = requireCredentials()
  return httpCall<T>(creds.server, path, { ...init, token: creds.token })
}

/** `localhost:8080` -> `http://localhost:8080`; anything that is not http(s) is refused. */
export const normalizeServer = (raw: string): string => {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw cliErrors.serverUrlInvalid(raw)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw cliErrors.serverUrlInvalid(raw)
  return url.origin
}
