// One outgoing webhook POST over node:http(s): connected only to addresses the destination guard
// allows (its lookup resolves the name), never following a redirect, bounded by the caller's signal.
import http from 'node:http'
import https from 'node:https'
import type { DestinationGuard } from './destination.ts'

export interface PostResult {
  status: number
  /** The `location` header of a 3xx answer (not followed). */
  location?: string
}

/** Bytes of the answer read (and dropped) before the connection is cut: receivers answer briefly. */
const ANSWER_MAX = 64 * 1024

/**
 * POST `body` to `url`. Rejects with WEBHOOKS_DESTINATION_REFUSED (a ChatError) when the host, or an
 * address it resolves to, may not be reached; with a network error otherwise.
 */
export const postJson = (
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { guard: DestinationGuard; signal: AbortSignal },
): Promise<PostResult> =>
  new Promise((resolve, reject) => {
    options.guard.checkUrl(url)
    const request = url.protocol === 'https:' ? https.request : http.request
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.guard.lookup,
        signal: options.signal,
      },
      (res) => {
        const result: PostResult = {
          status: res.statusCode ?? 0,
          ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
        }
        let read = 0
        res.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > ANSWER_MAX) {
            res.destroy()
            resolve(result)
          }
        })
        res.on('end', () => resolve(result))
        res.on('error', (err) => (read > ANSWER_MAX ? undefined : reject(err)))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
