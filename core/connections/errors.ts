// Turning a failure into an `error` frame: ChatErrors keep their code (chatErrorOf); anything else is CHATHUB_INTERNAL, logged.
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
  const frame: ErrorFrame = { type: 'error', code: e.code, message: e.message }
  if (ref !== undefined) frame.ref = ref
  if (e.retryAfter !== undefined) frame.retryAfter = e.retryAfter
  hub.metrics.frameErrors.inc({ code: e.code })
  conn.send(frame)
}
