// The origin policy on its own: which peers count as trusted proxies (the same list Fastify trusts
// for X-Forwarded-For), how the hub's own origin is read from Host or forwarded headers, and which
// Origin headers may use the session cookie or only open sockets.
import type { IncomingMessage } from 'node:http'
import { describe, expect, test } from 'vitest'
import { peerTrust } from '#core/auth/trusted-proxies'
import { defaultConfig, type HubConfig } from '#core/config'
import { normalizeOrigin, originPolicy } from '#core/web/origin'

const request = (peer: string, headers: Record<string, string>, encrypted = false) =>
  ({ socket: { remoteAddress: peer, encrypted }, headers }) as unknown as IncomingMessage

const config = (server: Partial<HubConfig['server']> = {}, web: Partial<HubConfig['web']> = {}) => {
  const c = defaultConfig()
  return { server: { ...c.server, ...server }, web: { ...c.web, ...web } }
}

test('trusted peers: addresses, CIDR ranges, netmasks, the named ranges and IPv4-mapped peers', () => {
  const trusts = peerTrust({ trustedProxies: ['10.0.0.0/255.0.0.0', '192.0.2.7', '2001:db8::/32', 'loopback'], trustProxy: false })
  for (const peer of ['10.200.1.1', '192.0.2.7', '2001:db8::1', '127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '::ffff:10.1.1.1']) {
    expect(trusts(peer), peer).toBe(true)
  }
  for (const peer of ['11.0.0.1', '192.0.2.8', '2001:db9::1', '::2', '', 'not-an-ip', undefined]) {
    expect(trusts(peer), String(peer)).toBe(false)
  }
  const local = peerTrust({ trustedProxies: ['uniquelocal', 'linklocal'], trustProxy: false })
  expect(['172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd00::1', '169.254.1.1', 'fe80::1'].every(local)).toBe(true)
  expect(['172.32.0.1', '127.0.0.1', '8.8.8.8'].some(local)).toBe(false)
  // The deprecated trustProxy: true means loopback.
  expect(peerTrust({ trustedProxies: [], trustProxy: true })('127.0.0.1')).toBe(true)
  expect(peerTrust({ trustedProxies: [], trustProxy: false })('127.0.0.1')).toBe(false)
})

test('origins are normalised as browsers send them; anything else is not an origin', () => {
  expect(normalizeOrigin('https://Chat.Example.org')).toBe('https://chat.example.org')
  expect(normalizeOrigin('https://chat.example.org:443')).toBe('https://chat.example.org')
  expect(normalizeOrigin('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080')
  for (const bad of ['null', '', 'chat.example.org', 'https://chat.example.org/app', 'https://u:p@chat.example.org', 'https://x.org?a', 'ftp://x.org', 'javascript:alert(1)']) {
    expect(normalizeOrigin(bad), bad).toBeUndefined()
  }
})

describe('the hub’s own origin', () => {
  const policy = originPolicy(config({ trustedProxies: ['127.0.0.1'] }))

  test('from Host and the connection, or from a trusted proxy’s headers', () => {
    expect(policy.own(request('127.0.0.2', { host: '127.0.0.1:8080' }))).toBe('http://127.0.0.1:8080')
    expect(policy.own(request('127.0.0.2', { host: 'chat.example.org' }, true))).toBe('https://chat.example.org')
    const proxied = { host: '127.0.0.1:8080', 'x-forwarded-host': 'spoofed.example, chat.example.org', 'x-forwarded-proto': 'https' }
    expect(policy.own(request('127.0.0.1', proxied))).toBe('https://chat.example.org')
    expect(policy.secure(request('127.0.0.1', proxied))).toBe(true)
    // From a peer that is no proxy the forwarded headers mean nothing.
    expect(policy.own(request('127.0.0.2', proxied))).toBe('http://127.0.0.1:8080')
    expect(policy.secure(request('127.0.0.2', proxied))).toBe(false)
    // RFC 7239: the last element is the nearest proxy's; quoted values; X-Forwarded-* first.
    const forwarded = { host: 'x', forwarded: 'for=1.2.3.4;host=evil.example, for=5.6.7.8;proto=https;host="chat.example.org:8443"' }
    expect(policy.own(request('127.0.0.1', forwarded))).toBe('https://chat.example.org:8443')
    expect(policy.own(request('127.0.0.1', { ...forwarded, 'x-forwarded-host': 'other.example' }))).toBe('https://other.example')
    // A Host that is not a host gives no own origin.
    for (const host of ['', 'a/b', 'a b', 'evil.example@chat.example.org']) {
      expect(policy.own(request('127.0.0.2', { host })), host).toBeUndefined()
    }
  })

  test('which pages may use the cookie, and which may only open sockets', () => {
    const p = originPolicy(
      config(
        { allowedOrigins: ['https://tokens.example.org'], publicUrl: 'https://chat.example.org/hub' },
        { allowedOrigins: ['https://app.example.org'] },
      ),
    )
    const req = request('127.0.0.2', { host: '127.0.0.1:8080' })
    for (const origin of ['http://127.0.0.1:8080', 'https://chat.example.org', 'https://app.example.org', 'HTTPS://APP.example.org:443']) {
      expect(p.sharesSession(req, origin), origin).toBe(true)
      expect(p.mayConnect(req, origin), origin).toBe(true)
    }
    expect(p.sharesSession(req, 'https://tokens.example.org')).toBe(false)
    expect(p.mayConnect(req, 'https://tokens.example.org')).toBe(true)
    for (const origin of ['https://127.0.0.1:8080', 'http://127.0.0.1:8081', 'https://evil.example', 'null']) {
      expect(p.sharesSession(req, origin), origin).toBe(false)
      expect(p.mayConnect(req, origin), origin).toBe(false)
    }
  })
})
