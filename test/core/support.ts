// Shared pieces of the core tests: garbage frames with the code each must get, raw `ws` sockets
// (for what the SDK deliberately cannot do) and polling waits instead of fixed sleeps.
import { expect } from 'vitest'
import WebSocket from 'ws'
import type { ChatClient } from '#core/client/sdk'
import type { ErrorFrame, MessageView, ServerFrame } from '#core/protocol/messages'

/** Bad frames an authenticated connection must answer with an error code, staying usable. */
export const GARBAGE: readonly { text: string; code: string }[] = [
  { text: 'this is not json', code: 'CHATHUB_FRAME_MALFORMED' },
  { text: '[1,2,3]', code: 'CHATHUB_FRAME_MALFORMED' },
  { text: '42', code: 'CHATHUB_FRAME_MALFORMED' },
  { text: 'null', code: 'CHATHUB_FRAME_MALFORMED' },
  { text: '{"type":"dance","ref":"g1"}', code: 'CHATHUB_FRAME_UNKNOWN_TYPE' },
  { text: '{"type":"constructor","ref":"g2"}', code: 'CHATHUB_FRAME_UNKNOWN_TYPE' },
  { text: '{"ref":"g3"}', code: 'CHATHUB_FRAME_INVALID' },
  {
    text: '{"type":"say","room":"x","text":5,"txn":"t","ref":"g4"}',
    code: 'CHATHUB_FRAME_INVALID',
  },
  { text: '{"type":"say","room":"x","text":"no ref","txn":"t"}', code: 'CHATHUB_FRAME_INVALID' },
  { text: '{"type":"history","room":"x","limit":1e308,"ref":"g5"}', code: 'CHATHUB_FRAME_INVALID' },
  { text: '{"type":"rooms","ref":"g6","__proto__":{"admin":true}}', code: 'CHATHUB_FRAME_INVALID' },
  { text: '{"type":"join","room":"../etc","ref":"g7"}', code: 'CHATHUB_FRAME_INVALID' },
]

/** Send every GARBAGE frame, expect its code, then prove the connection still works. */
export const sendGarbage = async (client: ChatClient): Promise<void> => {
  for (const g of GARBAGE) {
    const seen = client.next('error', (e) => e.code === g.code)
    client.sendRaw(g.text)
    expect((await seen).code).toBe(g.code)
  }
  const bin = client.next('error', (e) => e.code === 'CHATHUB_FRAME_MALFORMED')
  client.sendRaw(Buffer.from([0x00, 0xff, 0x10]))
  await bin
  await client.rooms()
  expect(client.open).toBe(true)
}

/** The error a request is refused with (fails the test when it is acked instead). */
export const refusal = async (
  p: Promise<unknown>,
): Promise<{ code: string; retryAfter?: number }> => {
  try {
    await p
  } catch (err) {
    return err as { code: string; retryAfter?: number }
  }
  throw new Error('expected the request to be refused')
}

/** Poll until `check` returns a truthy value (state we cannot await as an event). */
export const waitFor = async <T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > until) throw new Error('waitFor: condition not met in time')
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export const wsUrlOf = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws') + '/api/v1/ws'

/** A raw socket, open; frames it receives are collected in `frames`. */
export interface RawSocket {
  ws: WebSocket
  /** Headers of the 101 Switching Protocols response. */
  headers: Record<string, string | string[] | undefined>
  frames: ServerFrame[]
  /** Resolves with the close code. */
  closed: Promise<number>
  next(match: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>
  /** Send `auth` and wait for its ack. */
  auth(token: string): Promise<void>
}

export const rawSocket = (url: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrlOf(url), { perMessageDeflate: false, ...options })
    const frames: ServerFrame[] = []
    let headers: RawSocket['headers'] = {}
    ws.once('upgrade', (res) => (headers = res.headers))
    const listeners: ((f: ServerFrame) => void)[] = []
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as ServerFrame
      frames.push(f)
      for (const l of [...listeners]) l(f)
    })
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    const next = (match: (f: ServerFrame) => boolean, timeoutMs = 10_000) => {
      const found = frames.find(match)
      if (found) return Promise.resolve(found)
      return new Promise<ServerFrame>((res, rej) => {
        const timer = setTimeout(() => rej(new Error('raw socket: no matching frame')), timeoutMs)
        const l = (f: ServerFrame) => {
          if (!match(f)) return
          clearTimeout(timer)
          listeners.splice(listeners.indexOf(l), 1)
          res(f)
        }
        listeners.push(l)
      })
    }
    const socket: RawSocket = {
      ws,
      get headers() {
        return headers
      },
      frames,
      closed,
      next,
      async auth(token) {
        ws.send(JSON.stringify({ type: 'auth', ref: 'auth', token }))
        const f = await next((x) => 'ref' in x && x.ref === 'auth')
        if (f.type !== 'ack') throw new Error(`auth refused: ${(f as ErrorFrame).code}`)
      },
    }
    ws.once('open', () => resolve(socket))
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error('refused'), { status: res.statusCode })),
    )
    ws.once('error', reject)
  })

/** Every message of a room, oldest first, paged through history the way a client would. */
export const readAllHistory = async (client: ChatClient, room: string): Promise<MessageView[]> => {
  const stored: MessageView[] = []
  let before: number | undefined
  for (;;) {
    const page = await client.history(room, { limit: 200, ...(before ? { before } : {}) })
    stored.unshift(...page.messages)
    if (!page.more) return stored
    before = page.messages[0]?.seq
  }
}
