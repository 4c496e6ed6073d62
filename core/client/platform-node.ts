// The client SDK's platform in Node: WebSockets from `ws`, HTTP on node:http(s) (http.ts). The
// browser has its own (platform-browser.ts); platform.ts says what both provide.
import WebSocket from 'ws'
import { ChatError, coreErrors } from '#core/errors'
import type { Socket, SocketHandlers, SocketOptions } from './platform.ts'

export { httpRequestOf as httpRequest } from './http.ts'

/** Downloaded bytes: a Buffer in Node (what Node code around the SDK expects). */
export const toBytes = (body: ArrayBuffer): Uint8Array => Buffer.from(body)

class NodeSocket implements Socket {
  constructor(private readonly ws: WebSocket) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }
  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED
  }
  send(data: string | Uint8Array): void {
    this.ws.send(data)
  }
  close(code: number): void {
    this.ws.close(code)
  }
  terminate(): void {
    this.ws.terminate()
  }
  attach(handlers: SocketHandlers): void {
    this.detach()
    this.ws.on('message', (data) => handlers.message(data.toString()))
    this.ws.on('close', (code, reason) => handlers.close(code, reason.toString()))
    this.ws.on('error', (err) => handlers.error(err))
  }
  detach(): void {
    this.ws.removeAllListeners('message')
    this.ws.removeAllListeners('close')
    this.ws.removeAllListeners('error')
    // An error after detaching (the socket being dropped) is nobody's business; unhandled, ws throws it.
    this.ws.on('error', () => {})
  }
  onceClosed(callback: (code: number) => void): void {
    this.ws.once('close', (code) => callback(code))
  }
}

/** Open a WebSocket to `url`; rejects with CHATHUB_UPGRADE_REFUSED or CHATHUB_SERVER_UNREACHABLE. */
export const openSocket = (url: string, server: string, options: SocketOptions): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: options.headers,
      rejectUnauthorized: !options.insecure,
      perMessageDeflate: false,
    })
    ws.once('open', () => resolve(new NodeSocket(ws)))
    ws.once('unexpected-response', (_req, res) =>
      reject(new ChatError('CHATHUB_UPGRADE_REFUSED', `The hub refused the connection (HTTP ${res.statusCode}).`, res.statusCode ?? 400)),
    )
    ws.once('error', () => reject(coreErrors.serverUnreachable(server)))
  })
