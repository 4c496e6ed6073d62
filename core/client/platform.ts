// What the client SDK needs from where it runs — a WebSocket and HTTP requests — as two small
// interfaces. platform-node.ts implements them on `ws` and node:http, platform-browser.ts on the
// browser's WebSocket and fetch; package.json "imports" picks one for `#core/client/platform` by the
// "browser" condition, so the SDK itself (sdk.ts) is the same module in Node and in browsers.

/** The subset of a fetch Response the SDK reads. */
export interface HttpResponse {
  status: number
  ok: boolean
  headers: { get(name: string): string | null }
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

export interface HttpInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

export interface SocketOptions {
  /** Extra headers for the upgrade request (Node only: e.g. Origin, in tests). */
  headers?: Record<string, string>
  /** Accept self-signed certificates (Node only: wss:// in tests). */
  insecure?: boolean
}

/** What happens on a socket; `attach` sets all three at once. */
export interface SocketHandlers {
  message(text: string): void
  close(code: number, reason: string): void
  error(err: unknown): void
}

/** An open WebSocket. */
export interface Socket {
  readonly open: boolean
  readonly closed: boolean
  send(data: string | Uint8Array): void
  /** Close with a handshake. */
  close(code: number): void
  /** Drop at once, without a handshake (a socket being replaced, or one that would not close). */
  terminate(): void
  /** Set the handlers (replacing earlier ones); `detach` removes them. */
  attach(handlers: SocketHandlers): void
  detach(): void
  /** Called once when the socket is closed (added beside the handlers). */
  onceClosed(callback: (code: number) => void): void
}
