// The HTTP error boundary: ChatErrors answer { code, message } with their status; anything else is CHATHUB_INTERNAL.
import type { FastifyError, FastifyInstance } from 'fastify'
import { chatErrorOf } from '#core/errors'

export const registerErrorHandler = (app: FastifyInstance): void => {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const chat = chatErrorOf(err)
    if (chat) {
      if (chat.retryAfter !== undefined) void reply.header('retry-after', String(chat.retryAfter))
      return reply
        .code(chat.status)
        .send({ ...chat.details, code: chat.code, message: chat.message, retryAfter: chat.retryAfter })
    }
    if (err.validation) {
      return reply.code(400).send({ code: 'CHATHUB_REQUEST_INVALID', message: `Request rejected: ${err.message}.` })
    }
    if (err.statusCode === 413) {
      return reply.code(413).send({ code: 'CHATHUB_REQUEST_TOO_LARGE', message: 'Request body is too large.' })
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'CHATHUB_REQUEST_INVALID', message: err.message })
    }
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ code: 'CHATHUB_INTERNAL', message: 'Something went wrong on the server; it was logged.' })
  })
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 'CHATHUB_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}.` }),
  )
}
