// HTTP calls to a test hub from a chosen loopback address (127.0.0.2, 127.0.0.3, ...: real, distinct
// peers with no proxy in between) and with extra headers (X-Forwarded-For), answering the status,
// the headers and the JSON body, refusals included.
import { request } from 'node:http'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: { code?: string; retryAfter?: number; token?: string } & Record<string, unknown>
}

export interface CallOptions {
  /** Source address of the connection (default 127.0.0.1). */
  from?: string
  headers?: Record<string, string>
  body?: unknown
  method?: string
}

export const callFrom = (url: string, path: string, options: CallOptions = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const target = new URL(path, url)
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress: options.from ?? '127.0.0.1',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          let parsed: Answer['body'] = {}
          try {
            parsed = JSON.parse(text) as Answer['body']
          } catch {
            // Not JSON (e.g. Prometheus text): the body stays empty.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })

/** POST /api/v1/login as `user` from `options.from`. */
export const loginFrom = (
  url: string,
  user: string,
  password: string,
  options: Omit<CallOptions, 'body'> = {},
): Promise<Answer> => callFrom(url, '/api/v1/login', { ...options, body: { user, password } })

/** How many answers carry each code ('ok' for a 2xx). */
export const tally = (answers: Answer[]): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const a of answers) {
    const key = a.status < 300 ? 'ok' : (a.body.code ?? `HTTP ${a.status}`)
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}
