// The client SDK's platform in a browser: the browser's WebSocket and fetch. The session is the
// hub's HttpOnly cookie (docs/web.md), sent by the browser with the upgrade and with same-origin
// requests; script never sees the token. platform.ts says what Node's platform provides alike.
import { coreErrors } from '#core/errors'
import type { HttpInit, HttpResponse, Socket, SocketHandlers, SocketOptions } from './platform.ts'

/** The CSRF value the hub gave at login (and in /api/v1/me): sent with every unsafe request. */
let csrf: string | undefined

export const setCsrfToken = (value: string | undefined): void => {
  csrf = value
}

/** The CSRF header for an unsafe request made outside the SDK (the client's uploads, which report progress). */
export const csrfHeader = (): Record<string, string> => (csrf === undefined ? {} : { 'x-chathub-csrf': csrf })

/** Downloaded bytes. */
export const toBytes = (body: ArrayBuffer): Uint8Array => new Uint8Array(body)

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

export const httpRequest = async (url: URL, init: HttpInit = {}): Promise<HttpResponse> => {
  const method = init.method ?? 'GET'
  const headers: Record<string, string> = { ...init.headers }
  if (!SAFE.has(method) && csrf !== undefined) headers['x-chathub-csrf'] = csrf
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
  })
  return res
}

class BrowserSocket implements Socket {
  private readonly closeCallbacks: ((code: number) => void)[] = []

  constructor(private readonly ws: WebSocket) {
    ws.addEventListener('close', (e) => {
      for (const callback of this.closeCallbacks.splice(0)) callback(e.code)
    })
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }
  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED
  }
  send(data: string | Uint8Array): void {
    this.ws.send(data as string)
  }
  close(code: number): void {
    this.ws.close(code)
  }
  terminate(): void {
    this.ws.close()
  }
  attach(handlers: SocketHandlers): void {
    this.ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') handlers.message(e.data)
    }
    this.ws.onclose = (e: CloseEvent) => handlers.close(e.code, e.reason)
    this.ws.onerror = (e: Event) => handlers.error(e)
  }
  detach(): void {
    this.ws.onmessage = null
    this.ws.onclose = null
    this.ws.onerror = null
  }
  onceClosed(callback: (code: number) => void): void {
    this.closeCallbacks.push(callback)
  }
}

/**
 * Open a WebSocket to `url`. A browser does not say why an upgrade failed (refused or unreachable
 * look the same), so both reject with CHATHUB_SERVER_UNREACHABLE.
 */
export const openSocket = (url: string, server: string, _options: SocketOptions): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const fail = () => reject(coreErrors.serverUnreachable(server))
    ws.addEventListener('open', () => {
      ws.removeEventListener('error', fail)
      resolve(new BrowserSocket(ws))
    }, { once: true })
    ws.addEventListener('error', fail, { once: true })
  })
