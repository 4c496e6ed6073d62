// Which peers may name the client's address through X-Forwarded-For: the list handed to Fastify's
// `trustProxy` (proxy-addr), from `server.trustedProxies`. Never every peer: a client that could
// choose its own address would pick a fresh one for every login attempt and escape the per-address
// limits. The address taken is the nearest one in the header that is not itself a trusted proxy.
import { BlockList, isIP } from 'node:net'
import { coreErrors } from '#core/errors'

/** proxy-addr's named ranges: 127.0.0.0/8 + ::1, 169.254.0.0/16 + fe80::/10, private ranges + fc00::/7. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

export interface ProxySettings {
  trustedProxies: string[]
  /** Deprecated: `true` stands for `trustedProxies: [loopback]` (a proxy on this machine). */
  trustProxy: boolean
}

/** The `trustProxy` option for Fastify: the trusted addresses, or false. Bad entries fail boot. */
export const proxyTrust = (server: ProxySettings): string[] | false => {
  const entries = server.trustedProxies.map((e) => e.trim()).filter((e) => e !== '')
  if (server.trustProxy) entries.push('loopback')
  const bad = entries.filter((e) => !isProxyAddress(e))
  if (bad.length > 0) {
    throw coreErrors.configInvalid(
      bad
        .map(
          (e) =>
            `  server.trustedProxies: "${e}" is not an IP address, a CIDR range (10.0.0.0/8) or one of ` +
            'loopback, linklocal, uniquelocal',
        )
        .join('\n'),
    )
  }
  return entries.length > 0 ? [...new Set(entries)] : false
}

/** An address, address/prefix-length, IPv4 address/netmask, or a named range (as proxy-addr accepts). */
const isProxyAddress = (entry: string): boolean => {
  if (NAMED_RANGES.has(entry)) return true
  const [address = '', mask, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (mask === undefined) return true
  if (family === 4 && isIP(mask) === 4) return true
  return /^\d{1,3}$/.test(mask) && Number(mask) <= (family === 4 ? 32 : 128)
}

/** proxy-addr's named ranges as subnets, for trustsPeer. */
const RANGES: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']],
  linklocal: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']],
  uniquelocal: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']],
}

/**
 * Whether a connecting peer is one of `server.trustedProxies`, the same list (and the same test)
 * Fastify's `trustProxy` applies to X-Forwarded-For: the hub's origin and TLS (core/web/origin.ts)
 * believe X-Forwarded-Host/-Proto and Forwarded from these peers only. IPv4-mapped IPv6 peers
 * (::ffff:127.0.0.1) match their IPv4 ranges.
 */
export const peerTrust = (server: ProxySettings): ((peer: string | undefined) => boolean) => {
  const trusted = proxyTrust(server)
  if (!trusted) return () => false
  const list = new BlockList()
  for (const entry of trusted) {
    const named = RANGES[entry]
    if (named) {
      for (const [address, prefix, family] of named) list.addSubnet(address, prefix, family)
      continue
    }
    const [address = '', mask] = entry.split('/')
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6'
    if (mask === undefined) list.addAddress(address, family)
    else list.addSubnet(address, isIP(mask) === 4 ? maskBits(mask) : Number(mask), family)
  }
  return (peer) => {
    if (peer === undefined) return false
    const family = isIP(peer)
    return family !== 0 && list.check(peer, family === 4 ? 'ipv4' : 'ipv6')
  }
}

/** 255.255.0.0 -> 16 (the leading one bits, as proxy-addr counts a netmask). */
const maskBits = (mask: string): number =>
  mask.split('.').reduce((bits, octet) => bits + (Number(octet).toString(2).match(/1/g)?.length ?? 0), 0)
