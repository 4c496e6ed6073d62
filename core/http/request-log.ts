// What the request log shows of a request: Fastify's usual fields, with the secrets a URL can carry
// replaced by [Redacted] — query values with a secret's name (?token=, ?key=, ...) or a token's look,
// route parameters with a secret's name (an incoming webhook's /in/:id/:secret), and, on URLs no
// route matched (a webhook URL with the wrong method) or matched by a wildcard (the browser client's
// catch-all), every path segment that looks like a token.
import type { FastifyRequest } from 'fastify'

const CENSOR = '[Redacted]'
/** Names of query parameters and route parameters whose values are secrets. */
const SECRET_NAME = /token|secret|key|pass|auth|sig|session|ticket|code|credential/i
/** A long run of token characters mixing letters and digits: our tokens, secrets and hashes. */
const TOKEN_LIKE = /^(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9_.~+=%-]{20,}$/

/** `url` as it may be logged: `route` is the matched route's pattern (e.g. `/in/:id/:secret`), if any. */
export const redactUrl = (url: string, route?: string): string => {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const query = q === -1 ? undefined : url.slice(q + 1)
  return redactPath(path, route) + (query === undefined ? '' : `?${redactQuery(query)}`)
}

const redactPath = (path: string, route: string | undefined): string => {
  const segments = path.split('/')
  if (route === undefined) return segments.map((s) => (TOKEN_LIKE.test(s) ? CENSOR : s)).join('/')
  const pattern = route.split('/')
  for (let i = 0; i < segments.length && i < pattern.length; i++) {
    const part = pattern[i] ?? ''
    if (part.startsWith('*')) {
      // What a wildcard matched (the browser client's catch-all /*) is free-form, as an unmatched
      // URL is: its token-like segments go.
      for (let j = i; j < segments.length; j++) if (TOKEN_LIKE.test(segments[j] ?? '')) segments[j] = CENSOR
      break
    }
    const names = [...part.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '')
    if (names.some((n) => SECRET_NAME.test(n))) segments[i] = CENSOR
  }
  return segments.join('/')
}

const redactQuery = (query: string): string =>
  query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1) return TOKEN_LIKE.test(pair) ? CENSOR : pair
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      return SECRET_NAME.test(decode(name)) || TOKEN_LIKE.test(value) ? `${name}=${CENSOR}` : pair
    })
    .join('&')

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/** pino serializer for `req` (replaces Fastify's, same fields): the request line with its URL redacted. */
export const serializeRequest = (req: FastifyRequest) => ({
  method: req.method,
  url: redactUrl(req.url, req.is404 ? undefined : req.routeOptions.url),
  version: [req.headers['accept-version']].flat()[0],
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket.remotePort,
})
