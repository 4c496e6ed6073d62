// Turning a failure into an `error` frame: ChatErrors keep their code (chatErrorOf); anything else is CHATHUB_INTERNAL, logged.
// Frames refused unread (rate limit, shutdown) are answered by sendRefusal, which builds no error object.
import { chatErrorOf, coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import type { ErrorFrame } from '#core/protocol/messages'
import type { Connection } from './connection.ts'

export const sendError = (hub: Hub, conn: Connection, err: unknown, ref?: string): void => {
  let e = chatErrorOf(err)
  if (!e) {
    hub.log.error({ err, conn: conn.id, user: conn.user?.name }, 'frame handling failed')
    e = coreErrors.internal()
  }
  // Details go beside code and message, as in an HTTP error body (e.g. `epoch` with CHATHUB_E2E_STALE_EPOCH).
  const frame: ErrorFrame = { ...e.details, type: 'error', code: e.code, message: e.message }
  if (ref !== undefined) frame.ref = ref
  if (e.retryAfter !== undefined) frame.retryAfter = e.retryAfter
  hub.metrics.frameErrors.inc({ code: e.code })
  conn.send(frame)
}

/** Codes of the refusals a frame gets without being decoded or parsed. */
export type RefusalCode = 'CHATHUB_RATE_LIMITED' | 'CHATHUB_SHUTTING_DOWN'

/** Seconds a client is told to wait before reconnecting to a hub that is shutting down. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 1

export const refusalMessage = (code: RefusalCode, retryAfter: number): string =>
  code === 'CHATHUB_RATE_LIMITED'
    ? `Slow down; try again in ${retryAfter}s.`
    : 'The hub is shutting down; reconnect and send again in a moment.'

/** Answer a frame refused unread, with the ref found in its raw bytes (if any). */
export const sendRefusal = (
  hub: Hub,
  conn: Connection,
  code: RefusalCode,
  retryAfter: number,
  ref: string | undefined,
): void => {
  const frame: ErrorFrame = { type: 'error', code, message: refusalMessage(code, retryAfter) }
  if (ref !== undefined) frame.ref = ref
  frame.retryAfter = retryAfter
  hub.metrics.frameErrors.inc({ code })
  conn.send(frame)
}
