// Server frames written as whole WebSocket frames: a broadcast is framed once and the same bytes go
// to every follower's socket. ws frames each send on its own (a fresh header and a two-chunk writev
// per recipient); server frames are never masked, so one buffer serves every recipient.
import type { WebSocket } from 'ws'

/**
 * The parts of ws's WebSocket that the fast path relies on. They are ws's private fields, so ws is
 * pinned to an exact version in package.json, and test/core/ws-internals.test.ts fails if an
 * upgrade moves them (the hub would then fall back to ws.send for every frame, silently slower).
 */
export interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean; cork(): void; uncork(): void }
  _sender?: { _state: number }
  _extensions?: Record<string, unknown>
}

/** An unmasked, final text frame carrying `text` (RFC 6455 §5.2), its UTF-8 written in place. */
export const textFrame = (text: string): Buffer => {
  const n = Buffer.byteLength(text)
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + n)
  frame[0] = 0x81
  if (n < 126) frame[1] = n
  else if (n < 65536) {
    frame[1] = 126
    frame.writeUInt16BE(n, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2)
    frame.writeUInt32BE(n >>> 0, 6)
  }
  frame.write(text, header)
  return frame
}

/** The payload of a frame built by textFrame() (a view, no copy). */
const payloadOf = (frame: Buffer): Buffer => {
  const length = (frame[1] as number) & 0x7f
  return frame.subarray(length < 126 ? 2 : length === 126 ? 4 : 10)
}

/**
 * Send a frame built by textFrame(). Written straight to the socket when ws would write it
 * unchanged (no compression negotiated, nothing queued in its sender); otherwise its payload goes
 * through ws.send, so ordering and compression stay ws's business.
 */
export const sendFramed = (ws: WebSocket, frame: Buffer): void => {
  const internals = ws as unknown as WsInternals
  const socket = internals._socket
  if (socket && internals._sender?._state === 0 && internals._extensions?.['permessage-deflate'] === undefined) {
    socket.write(frame)
  } else {
    ws.send(payloadOf(frame), { binary: false })
  }
}

/** Run `fn` with these sockets corked, so that what it sends to each leaves in one write. */
export const corkWhile = (sockets: Iterable<WebSocket>, fn: () => void): void => {
  const corked: { uncork(): void }[] = []
  for (const ws of sockets) {
    const socket = (ws as unknown as WsInternals)._socket
    if (socket) {
      socket.cork()
      corked.push(socket)
    }
  }
  try {
    fn()
  } finally {
    for (const socket of corked) socket.uncork()
  }
}

/** Whether this socket has the fields sendFramed and corkWhile use (see WsInternals). */
export const hasWsInternals = (ws: WebSocket): boolean => {
  const internals = ws as unknown as WsInternals
  const socket = internals._socket
  return (
    typeof socket?.write === 'function' &&
    typeof socket.cork === 'function' &&
    typeof socket.uncork === 'function' &&
    typeof internals._sender?._state === 'number' &&
    typeof internals._extensions === 'object'
  )
}
