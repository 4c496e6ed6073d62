// Shared pieces of the web-server suites: HTTP calls from a chosen loopback address with the raw
// answer (status, headers, text), Set-Cookie parsing, a browser-like cookie login, a built client
// faked in a temp folder, and raw `ws` sockets with chosen headers (Origin, Cookie, forwarded ones).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { ServerFrame } from '#core/protocol/messages'
import type { TestHub } from '#test/helpers/start-hub'

export const PASSWORD = 'correct horse battery staple'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The body as JSON, or {} when it is not JSON. */
  json: Record<string, unknown>
}

export interface CallOptions {
  /** Source address of the connection (default 127.0.0.1): 127.0.0.2 plays a peer that is not a proxy. */
  from?: string
  method?: string
  headers?: Record<string, string>
  body?: unknown
}

export const call = (url: string, path: string, options: CallOptions = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    // The path goes as written (`/../x`, `//x`): no URL normalises it on the way.
    const target = new URL(url)
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest
    const req = request(
      {
        // The TLS tests' hub has a self-signed certificate.
        rejectUnauthorized: false,
        host: target.hostname,
        port: target.port,
        path,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress: options.from ?? '127.0.0.1',
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        agent: false,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          let json: Record<string, unknown> = {}
          try {
            json = JSON.parse(text) as Record<string, unknown>
          } catch {
            // Not JSON (a page, a script): `text` has it.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })

export interface SetCookie {
  value: string
  /** Attributes by lower-cased name; flags (HttpOnly, Secure) map to ''. */
  attributes: Record<string, string>
}

/** The Set-Cookie headers of an answer, by cookie name. */
export const setCookies = (answer: Answer): Record<string, SetCookie> => {
  const out: Record<string, SetCookie> = {}
  for (const line of [answer.headers['set-cookie'] ?? []].flat()) {
    const [pair = '', ...attrs] = line.split(';').map((s) => s.trim())
    const eq = pair.indexOf('=')
    const attributes: Record<string, string> = {}
    for (const attr of attrs) {
      const i = attr.indexOf('=')
      attributes[(i === -1 ? attr : attr.slice(0, i)).toLowerCase()] = i === -1 ? '' : attr.slice(i + 1)
    }
    out[pair.slice(0, eq)] = { value: decodeURIComponent(pair.slice(eq + 1)), attributes }
  }
  return out
}

/** What a browser holds after a cookie login: both cookies, and the headers that send them back. */
export interface Browser {
  session: string
  csrf: string
  /** `Cookie:` with both cookies. */
  cookie: string
  /** The Cookie header, the CSRF header and this hub's own Origin, as the web client sends them. */
  headers: Record<string, string>
  answer: Answer
}

export const browserOf = (hub: TestHub, answer: Answer): Browser => {
  const cookies = setCookies(answer)
  const session = cookies.chathub_session?.value ?? ''
  const csrf = cookies.chathub_csrf?.value ?? ''
  const cookie = `chathub_session=${session}; chathub_csrf=${csrf}`
  return { session, csrf, cookie, headers: { cookie, 'x-chathub-csrf': csrf, origin: hub.url }, answer }
}

/** Log in as a browser does: `"session": "cookie"`, from the hub's own origin. */
export const cookieLogin = async (hub: TestHub, user: string, extra: Record<string, unknown> = {}): Promise<Browser> => {
  const answer = await call(hub.url, '/api/v1/login', {
    body: { user, password: PASSWORD, session: 'cookie', ...extra },
    headers: { origin: hub.url },
  })
  if (answer.status !== 200) throw new Error(`cookie login refused: ${answer.status} ${answer.text}`)
  return browserOf(hub, answer)
}

/** A fake build of the browser client: index.html, a hashed asset and a file at the top. */
export const fakeClient = (): { dir: string; index: string; asset: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-web-'))
  mkdirSync(join(dir, 'assets'))
  const index = '<!doctype html><title>chathub</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>\n'
  const asset = 'console.log("chathub client")\n'
  writeFileSync(join(dir, 'index.html'), index)
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), asset)
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  return { dir, index, asset }
}

export interface Socket {
  ws: WebSocket
  frames: ServerFrame[]
  /** Resolves with the close code. */
  closed: Promise<number>
  /** Send an `auth` frame (with `token`, or without one for the cookie) and wait for its answer. */
  auth(token?: string): Promise<ServerFrame>
  /** Send a frame and wait for the answer with its ref. */
  request(frame: Record<string, unknown>): Promise<ServerFrame>
}

export const wsUrl = (url: string): string => `${url.replace(/^http/, 'ws')}/api/v1/ws`

/** Open a socket with these headers from `from`; rejects with `status` when the upgrade is refused. */
export const openSocket = (
  url: string,
  options: { headers?: Record<string, string>; from?: string } = {},
): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(url), {
      perMessageDeflate: false,
      rejectUnauthorized: false,
      headers: options.headers ?? {},
      localAddress: options.from ?? '127.0.0.1',
    })
    const frames: ServerFrame[] = []
    const waiting = new Map<string, (f: ServerFrame) => void>()
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as ServerFrame
      frames.push(f)
      const ref = 'ref' in f ? f.ref : undefined
      if (ref !== undefined) waiting.get(ref)?.(f)
    })
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    let refs = 0
    const req = (frame: Record<string, unknown>) =>
      new Promise<ServerFrame>((res) => {
        const ref = `r${++refs}`
        waiting.set(ref, res)
        ws.send(JSON.stringify({ ...frame, ref }))
      })
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        closed,
        auth: (token) => req({ type: 'auth', ...(token === undefined ? {} : { token }) }),
        request: req,
      }),
    )
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, text })))
    })
    ws.once('error', reject)
  })
