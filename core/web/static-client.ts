// The browser client, served at / from the same origin as the API and the WebSocket: hashed files
// under /assets/ cached for a year, index.html revalidated on every load, and index.html for client
// routes (deep links such as /rooms/general) so that a reload lands in the app. /api/*, /plugins/*,
// /healthz and /metrics are never answered with the client: an unknown path there stays a JSON 404.
// With the build missing, / and client routes answer 503 saying how to build it.
import { sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { HubConfig } from '#core/config'
import { clientBuilt, clientDir } from './client-files.ts'

/** Vite's output under assets/ is named by content hash: it never changes at the same URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

export const NOT_BUILT =
  'chathub: the browser client is not built.\n\n' +
  'Run `npm run build` (or `npm install`) in the chathub folder, then reload this page.\n' +
  'The API, the WebSocket and the command line work without it.\n'

/** Paths of the hub itself, never a client route or a file of the client. */
const HUB_PATH = /^\/(?:api|plugins|healthz|metrics)(?:\/|$)/

export interface WebClient {
  dir: string
  /** Whether index.html was there when the hub started (`serve` warns when it was not). */
  built: boolean
}

/** Serve the client (unless web.enabled is false); returns where it is looked for. */
export const registerWebClient = async (app: FastifyInstance, web: HubConfig['web']): Promise<WebClient | undefined> => {
  if (!web.enabled) return undefined
  const root = clientDir(web)
  const assets = `${root}${sep}assets${sep}`
  // reply.sendFile only: the routes below decide what a path is before a file is looked for.
  await app.register(fastifyStatic, {
    root,
    serve: false,
    index: false,
    cacheControl: false,
    dotfiles: 'ignore',
    // A missing build is reported by serve and by the 503 page, not by a warning in the log.
    suppressWarning: true,
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.startsWith(assets) ? IMMUTABLE : 'no-cache')
    },
  })

  const sendClient = (reply: FastifyReply): FastifyReply => {
    if (clientBuilt(root)) return reply.sendFile('index.html')
    return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
  }

  app.get('/', (_req, reply) => sendClient(reply))
  app.get('/*', (req, reply) => {
    const path = pathOf(req.url)
    if (HUB_PATH.test(path)) return reply.callNotFound()
    if (isClientRoute(req, path)) return sendClient(reply)
    let file: string
    try {
      file = decodeURIComponent(path)
    } catch {
      return reply.callNotFound()
    }
    // @fastify/static refuses `..`, `//` and `.` segments (403) and answers a missing file with callNotFound.
    return reply.sendFile(file)
  })
  return { dir: root, built: clientBuilt(root) }
}

const pathOf = (url: string): string => {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/**
 * A page of the client rather than a file: a navigation (GET that accepts HTML) to a path whose last
 * segment has no dot. Files (/favicon.svg, /assets/x.js) and API calls (Accept: application/json) are not.
 */
const isClientRoute = (req: FastifyRequest, path: string): boolean =>
  (req.method === 'GET' || req.method === 'HEAD') &&
  !(path.slice(path.lastIndexOf('/') + 1).includes('.')) &&
  /\btext\/html\b/i.test(req.headers.accept ?? '')
