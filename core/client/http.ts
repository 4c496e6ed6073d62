// The client SDK's HTTP requests, on node:http(s). Node's fetch (undici) costs a one-shot CLI command
// about 200 ms more than the request itself (it is loaded, and compiles its parser, on first use):
// more than the rest of `chathub rooms --json`. Node's side of platform.ts (see platform-node.ts).
import { type IncomingMessage, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { HttpInit, HttpResponse } from './platform.ts'

/** One HTTP request; rejects only when no answer came (unreachable, reset), like fetch. */
export const httpRequestOf = (url: URL, init: HttpInit = {}): Promise<HttpResponse> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        const status = res.statusCode ?? 0
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()]
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
            },
          },
          json: async () => JSON.parse(body.toString('utf8')) as unknown,
          arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
        })
      })
    })
    req.on('error', reject)
    req.end(init.body)
  })

/**
 * One HTTP request whose answer is not read: the response with its body as a stream, for downloads
 * too big to hold in memory. Rejects only when no answer came; the caller reads (or destroys) it.
 */
export const httpStreamOf = (url: URL, init: HttpInit = {}): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, { method: init.method ?? 'GET', headers: init.headers }, resolve)
    req.on('error', reject)
    req.end(init.body)
  })
