// Origins: where a request reached the hub (scheme and host, directly or as a trusted reverse proxy
// says) and which browser origins the hub allows. The one place the CSRF check, the session
// cookies' Secure flag and the WebSocket gateway ask. The hub's own origin needs no configuration:
// it is the scheme and Host of the request, or X-Forwarded-Proto/-Host (or Forwarded) when the peer
// is one of server.trustedProxies.
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { peerTrust } from '#core/auth/trusted-proxies'
import type { HubConfig } from '#core/config'
import { coreErrors } from '#core/errors'

/** How the client reached the hub: `https` also when a trusted proxy terminated TLS for it. */
export interface Reached {
  scheme: 'http' | 'https'
  /** The Host the client asked for (`chat.example.org`, `127.0.0.1:8080`); '' when there was none. */
  host: string
}

export interface OriginPolicy {
  reached(req: IncomingMessage): Reached
  /** The hub's origin as this request's client sees it (`https://chat.example.org`), if its Host is sound. */
  own(req: IncomingMessage): string | undefined
  /** Whether the client's connection is TLS (to the hub, or to the trusted proxy in front of it). */
  secure(req: IncomingMessage): boolean
  /**
   * Whether a page at `origin` (an Origin header) may use the browser session cookie: the hub's own
   * origin, server.publicUrl's, or one of web.allowedOrigins.
   */
  sharesSession(req: IncomingMessage, origin: string): boolean
  /** Whether a page at `origin` may open a WebSocket at all: the above, or one of server.allowedOrigins. */
  mayConnect(req: IncomingMessage, origin: string): boolean
}

/** A host as a Host header may name it: a name or IPv4 address, or a bracketed IPv6 one, and a port. */
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

/**
 * `scheme://host[:port]` as browsers serialise it (lower case, default port left out), or undefined
 * for anything that is not an http(s) origin: `null`, a path, credentials, a query.
 */
export const normalizeOrigin = (value: string): string | undefined => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined
  // new URL() accepts `https://a.example/` and `https://a.example`; a browser sends the second.
  if (!/^https?:\/\/[^/]+\/?$/i.test(value)) return undefined
  return url.origin
}

/** The last comma-separated entry of a header: the one the nearest proxy added (as Fastify reads them). */
const lastEntry = (header: string | string[] | undefined): string | undefined => {
  const value = Array.isArray(header) ? header.at(-1) : header
  if (value === undefined) return undefined
  const entry = value.slice(value.lastIndexOf(',') + 1).trim()
  return entry === '' ? undefined : entry
}

/** `proto` and `host` of the last element of an RFC 7239 Forwarded header. */
const forwardedPairs = (header: string | string[] | undefined): { proto?: string; host?: string } => {
  const element = lastEntry(header)
  if (element === undefined) return {}
  const out: { proto?: string; host?: string } = {}
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1) continue
    const key = pair.slice(0, eq).trim().toLowerCase()
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    if ((key === 'proto' || key === 'host') && value !== '') out[key] = value
  }
  return out
}

const schemeOf = (proto: string | undefined): Reached['scheme'] | undefined => {
  const p = proto?.toLowerCase()
  return p === 'https' || p === 'wss' ? 'https' : p === 'http' || p === 'ws' ? 'http' : undefined
}

/** The policy for a hub's config. A web.allowedOrigins entry that is not an origin fails boot. */
export const originPolicy = (config: Pick<HubConfig, 'server' | 'web'>): OriginPolicy => {
  const trusts = peerTrust(config.server)
  const bad = config.web.allowedOrigins.filter((o) => normalizeOrigin(o) === undefined)
  if (bad.length > 0) {
    throw coreErrors.configInvalid(
      bad
        .map((o) => `  web.allowedOrigins: "${o}" is not an origin; write scheme://host[:port], e.g. https://chat.example.org`)
        .join('\n'),
    )
  }
  const sessionOrigins = new Set(config.web.allowedOrigins.map((o) => normalizeOrigin(o) ?? o))
  const publicOrigin = config.server.publicUrl === '' ? undefined : originOfUrl(config.server.publicUrl)
  if (publicOrigin) sessionOrigins.add(publicOrigin)
  // server.allowedOrigins was always compared as written; normalised too, so either form matches.
  const socketOrigins = new Set(config.server.allowedOrigins.flatMap((o) => [o, normalizeOrigin(o) ?? o]))

  const reached = (req: IncomingMessage): Reached => {
    const socket = req.socket as Partial<TLSSocket>
    const direct: Reached = { scheme: socket.encrypted ? 'https' : 'http', host: req.headers.host ?? '' }
    if (!trusts(socket.remoteAddress)) return direct
    const forwarded = forwardedPairs(req.headers.forwarded)
    return {
      scheme: schemeOf(lastEntry(req.headers['x-forwarded-proto']) ?? forwarded.proto) ?? direct.scheme,
      host: lastEntry(req.headers['x-forwarded-host']) ?? forwarded.host ?? direct.host,
    }
  }

  const own = (req: IncomingMessage): string | undefined => {
    const { scheme, host } = reached(req)
    return HOST.test(host) ? normalizeOrigin(`${scheme}://${host}`) : undefined
  }

  const sharesSession = (req: IncomingMessage, origin: string): boolean => {
    const normalized = normalizeOrigin(origin)
    if (normalized === undefined) return false
    return sessionOrigins.has(normalized) || normalized === own(req)
  }

  return {
    reached,
    own,
    secure: (req) => reached(req).scheme === 'https',
    sharesSession,
    mayConnect: (req, origin) => socketOrigins.has(origin) || sharesSession(req, origin),
  }
}

const originOfUrl = (url: string): string | undefined => {
  try {
    const { protocol, origin } = new URL(url)
    return protocol === 'http:' || protocol === 'https:' ? origin : undefined
  } catch {
    return undefined
  }
}
