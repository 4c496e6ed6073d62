// `fetch` for bots, performed by the bot host (never inside the isolate): only http(s) to hosts in
// the bot's allow-list, redirects not followed, with a timeout and a response-size cap.
import { botsErrors } from './errors.ts'

export interface FetchRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: string
}

export interface FetchResponse {
  status: number
  headers: Record<string, string>
  body: string
  url: string
}

/**
 * Whether a URL's host is allowed: an entry matches the hostname (`api.example.com`), the host with
 * its port (`127.0.0.1:8080`), or any subdomain with a leading `*.` (`*.example.com`).
 */
export const hostAllowed = (url: URL, allow: readonly string[]): boolean => {
  const hostname = url.hostname.toLowerCase()
  const host = url.host.toLowerCase()
  return allow.some((entry) => {
    const e = entry.toLowerCase()
    if (e.startsWith('*.')) return hostname.endsWith(e.slice(1))
    return e === hostname || e === host
  })
}

export const guardedFetch = async (
  req: FetchRequest,
  options: { allow: readonly string[]; timeoutMs: number; maxBytes: number },
): Promise<FetchResponse> => {
  let url: URL
  try {
    url = new URL(req.url)
  } catch {
    throw botsErrors.fetchFailed(`"${req.url}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw botsErrors.fetchDenied(url.protocol)
  if (!hostAllowed(url, options.allow)) throw botsErrors.fetchDenied(url.host)
  let res: Response
  try {
    res = await fetch(url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError'
    throw botsErrors.fetchFailed(timedOut ? `no answer within ${options.timeoutMs} ms` : 'the host cannot be reached')
  }
  const chunks: Buffer[] = []
  let size = 0
  if (res.body) {
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read().catch(() => {
        throw botsErrors.fetchFailed(`the response did not complete within ${options.timeoutMs} ms`)
      })
      if (done) break
      size += value.byteLength
      if (size > options.maxBytes) {
        await reader.cancel()
        throw botsErrors.fetchFailed(`the response is larger than ${options.maxBytes} bytes`)
      }
      chunks.push(Buffer.from(value))
    }
  }
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: Buffer.concat(chunks).toString('utf8'),
    url: url.href,
  }
}
