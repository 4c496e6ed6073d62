// The WebSocket gateway at /api/v1/ws: origin check, auth handshake (a token, or a browser's session
// cookie from an allowed Origin), limits (size, rate, buffered bytes, connections, heartbeat, auth
// timeout), parsing and validation, then dispatch. Every bad frame gets an error frame. Frames over
// the rate or arriving during shutdown are answered without being decoded or parsed; the shutdown
// drain itself is the hub's (Hub.drain), started from here.
import websocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { coreErrors } from '#core/errors'
import type { Hub } from '#core/hub'
import { CloseCodes, MLS_FRAME_MAX, PROTOCOL_VERSION } from '#core/protocol/messages'
import { type ParseResult, parseClientFrame } from '#core/protocol/validate'
import { sessionCookie } from '#core/web/session-cookies'
import { type Connection, frameRate } from './connection.ts'
import { dispatch } from './dispatch.ts'
import { SHUTDOWN_RETRY_AFTER_SECONDS, refusalMessage, sendError, sendRefusal } from './errors.ts'
import { refOfFrame } from './frame-ref.ts'

export const registerGateway = async (app: FastifyInstance, hub: Hub): Promise<void> => {
  const { limits } = hub.config
  await app.register(websocket, {
    options: {
      // Frames over limits.maxFrameBytes are refused in onFrame, except an authenticated `mls` frame.
      maxPayload: Math.max(limits.maxFrameBytes, MLS_FRAME_MAX),
      perMessageDeflate: hub.config.ws.perMessageDeflate,
    },
    // The plugin's default preClose closes every socket at once with no code (1005), before the
    // hub's own preClose (server.ts) has committed queued messages and acked them; that one closes
    // the sockets, with 1001 "going away".
    preClose: (done) => done(),
  })

  app.get(
    '/api/v1/ws',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        const origin = req.headers.origin
        // Browsers always send Origin; refusing unknown ones stops cross-site WebSocket hijacking.
        // Allowed: the hub's own origin, server.publicUrl's, server.allowedOrigins and web.allowedOrigins
        // (core/web/origin.ts).
        if (origin !== undefined && !hub.origins.mayConnect(req.raw, origin)) {
          return reply.code(403).send({ code: 'CHATHUB_ORIGIN_REFUSED', message: `Origin ${origin} is not allowed.` })
        }
        if (hub.draining) {
          const code = 'CHATHUB_SHUTTING_DOWN'
          return reply.code(503).send({ code, message: refusalMessage(code, SHUTDOWN_RETRY_AFTER_SECONDS) })
        }
      },
    },
    (socket, req) => {
      forgetUpgrade(socket)
      const conn = hub.open(socket, req.ip)
      if (!conn) {
        socket.close(CloseCodes.tooManyConnections, 'too many connections from this address')
        return
      }
      // A browser's session cookie counts only from a page allowed to use it: with no Origin (not a
      // browser) or a foreign one, an auth frame without a token fails as a bad token does.
      const origin = req.headers.origin
      if (origin !== undefined && hub.origins.sharesSession(req.raw, origin)) conn.cookieToken = sessionCookie(req)
      socket.on('message', (data, isBinary) => onFrame(hub, conn, data, isBinary))
      socket.on('pong', () => {
        conn.alive = true
      })
      socket.on('close', () => hub.closed(conn))
      socket.on('error', () => hub.closed(conn))
    },
  )

  // One sweep for every connection (no timer per socket): heartbeats, idle and auth timeouts.
  const heartbeatMs = limits.heartbeatSeconds * 1000
  const authMs = limits.authTimeoutSeconds * 1000
  let lastBeat = Date.now()
  const sweep = setInterval(() => {
    const now = Date.now()
    const beat = now - lastBeat >= heartbeatMs
    if (beat) lastBeat = now
    for (const conn of hub.connections) {
      if (!conn.user && now - conn.openedAt > authMs) {
        conn.close(CloseCodes.authTimeout, 'no auth frame in time')
        continue
      }
      if (!beat) continue
      if (!conn.alive) {
        conn.ws.terminate()
        hub.closed(conn)
        continue
      }
      conn.alive = false
      if (conn.ws.readyState === 1) conn.ws.ping()
    }
  }, Math.min(1000, heartbeatMs))
  sweep.unref()
  app.addHook('onClose', async () => clearInterval(sweep))
  // Registered before the server's own preClose (server.ts), which then closes every socket (1001):
  // frames still on their way until then are answered CHATHUB_SHUTTING_DOWN, not dropped.
  app.addHook('preClose', () => hub.drain())
}

/**
 * @fastify/websocket routes the upgrade through a ServerResponse assigned to the TCP socket, and
 * nothing detaches it, and its 'error' listener closes over the request and reply: every connection
 * would keep the upgrade request (headers, raw headers, Fastify's request and reply) alive for its
 * whole life, a few KiB of heap each. Let go of them once upgraded.
 */
const forgetUpgrade = (socket: WebSocket): void => {
  // Its error listener holds the upgrade's request and reply too; the gateway adds its own.
  socket.removeAllListeners('error')
  const tcp = (socket as unknown as { _socket?: { _httpMessage?: { detachSocket?(s: unknown): void } | null } })._socket
  const response = tcp?._httpMessage
  if (!tcp || !response) return
  response.detachSocket?.(tcp)
  tcp._httpMessage = null
}

const sizeOf = (data: WebSocket.RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength

/** The ref of a frame refused unread: text frames only, read from the raw bytes. */
const refOf = (data: WebSocket.RawData, isBinary: boolean): string | undefined =>
  !isBinary && Buffer.isBuffer(data) ? refOfFrame(data) : undefined

const onFrame = (hub: Hub, conn: Connection, data: WebSocket.RawData, isBinary: boolean): void => {
  conn.alive = true
  // After our close frame nothing more may be sent; the client learns from the close code.
  if (conn.closing) return
  // A client that does not read what it asked for gets no more answers: closed with 4009.
  if (conn.overBound()) return
  if (hub.draining) return sendRefusal(hub, conn, 'CHATHUB_SHUTTING_DOWN', SHUTDOWN_RETRY_AFTER_SECONDS, refOf(data, isBinary))
  const receivedAt = performance.now()
  const { limits } = hub.config
  const { perSecond, burst } = frameRate(limits, conn.user?.kind)
  if (!conn.take(Date.now(), perSecond, burst)) {
    // Refused before it is decoded or parsed. Each refusal is answered (with the ref when it can be
    // read from the raw bytes) so that a client can tell which request to send again; a client that
    // keeps sending far over its rate spends its flood allowance and is closed.
    if (!conn.refused()) return conn.closeWhenAnswered(CloseCodes.frameFlood, 'too many frames over the rate limit')
    return sendRefusal(hub, conn, 'CHATHUB_RATE_LIMITED', conn.retryAfter(perSecond), refOf(data, isBinary))
  }
  // Above limits.maxFrameBytes only an authenticated `mls` frame is read (big Commits and Welcomes);
  // anything else closes the connection with 1009, as the WebSocket layer does above MLS_FRAME_MAX
  // (an `mls` frame that breaks the schema is answered as any bad frame is).
  const oversized = sizeOf(data) > limits.maxFrameBytes
  if (oversized && (!conn.user || isBinary)) return conn.close(CloseCodes.tooBig, 'frame too large')
  const parsed: ParseResult = isBinary
    ? { ok: false, error: coreErrors.frameMalformed(), ref: undefined }
    : parseClientFrame(data.toString())
  if (oversized && (parsed.ok ? parsed.frame.type : parsed.type) !== 'mls') return conn.close(CloseCodes.tooBig, 'frame too large')
  if (!parsed.ok) {
    sendError(hub, conn, parsed.error, parsed.ref)
    // Before auth the only acceptable frame is a valid `auth`: no free garbage budget for strangers.
    if (!conn.user) conn.close(CloseCodes.authFailed, 'authenticate first')
    return
  }
  const frame = parsed.frame
  if (!conn.user) {
    if (frame.type !== 'auth') {
      sendError(hub, conn, coreErrors.authRequired(), frame.ref)
      return conn.close(CloseCodes.authFailed, 'authenticate first')
    }
    const token = frame.token ?? conn.cookieToken
    conn.cookieToken = undefined
    const user = token === undefined ? undefined : hub.verifySession(token)
    if (!user) {
      sendError(hub, conn, coreErrors.tokenInvalid(), frame.ref)
      return conn.close(CloseCodes.authFailed, 'invalid token')
    }
    if (user.restricted !== undefined) {
      // A restricted session (enrolment pending) may use its plugin's HTTP routes only.
      sendError(hub, conn, coreErrors.sessionRestricted(user.restricted), frame.ref)
      return conn.close(CloseCodes.authFailed, 'session restricted')
    }
    if (!hub.authenticate(conn, user)) {
      sendError(hub, conn, coreErrors.tooManyConnections(limits.connectionsPerUser), frame.ref)
      return conn.close(CloseCodes.tooManyConnections, 'too many connections for this user')
    }
    conn.send({ type: 'ack', ref: frame.ref, user: user.name, admin: user.admin, protocol: PROTOCOL_VERSION })
    return
  }
  // Frames that wait on plugin hooks hold later frames of the same connection behind them.
  if (conn.queue) return hold(conn, conn.queue.then(() => dispatch(hub, conn, frame, receivedAt)))
  const pending = dispatch(hub, conn, frame, receivedAt)
  if (pending) hold(conn, pending)
}

const hold = (conn: Connection, pending: Promise<void>): void => {
  const queue: Promise<void> = pending.finally(() => {
    if (conn.queue === queue) conn.queue = undefined
  })
  conn.queue = queue
}
