// Where outgoing webhooks may POST: never to loopback, link-local, private or other special-purpose
// addresses (the hub's own services, a cloud's metadata endpoint, the LAN) unless the config allows
// them. Checked on the addresses a name resolves to, at connect time (the lookup the request uses),
// so a name that resolves differently on a second lookup (DNS rebinding) cannot slip through.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { webhookErrors } from './errors.ts'

/** IANA special-purpose ranges (RFC 6890 and its updates) a webhook must not reach by default. */
const SPECIAL_V4 = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const

const SPECIAL_V6 = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const

const special = new BlockList()
for (const [net, prefix] of SPECIAL_V4) special.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of SPECIAL_V6) special.addSubnet(net, prefix, 'ipv6')

/** `::ffff:127.0.0.1` (IPv4-mapped IPv6) is the IPv4 address it maps; others unchanged. */
const unmap = (address: string): { address: string; family: 'ipv4' | 'ipv6' } => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' }
}

/** An allow-list entry: an address (`10.1.2.3`, `fd00::5`) or a CIDR range (`10.0.0.0/8`). */
const parseAllow = (entry: string): { net: string; prefix: number; family: 'ipv4' | 'ipv6' } => {
  const [net = '', bits] = entry.trim().split('/')
  const version = isIP(net)
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`)
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const max = version === 4 ? 32 : 128
  const prefix = bits === undefined ? max : Number(bits)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new Error(`"${entry}" has a bad prefix length`)
  return { net, prefix, family }
}

export interface DestinationPolicy {
  /** Allow every address (tests, hubs whose receivers all live on a private network). */
  allowPrivate: boolean
  /** Addresses and CIDR ranges allowed even though they are special-purpose. */
  allow: readonly string[]
}

/** Checks destination addresses against a policy; `lookup` is the guarded resolver for requests. */
export class DestinationGuard {
  private readonly allowed = new BlockList()

  constructor(private readonly policy: DestinationPolicy) {
    for (const entry of policy.allow) {
      const { net, prefix, family } = parseAllow(entry)
      this.allowed.addSubnet(net, prefix, family)
    }
  }

  /** Throws WEBHOOKS_DESTINATION_REFUSED when `address` (an IP) may not be reached. */
  check(host: string, address: string): void {
    if (this.policy.allowPrivate) return
    const { address: ip, family } = unmap(address)
    if (this.allowed.check(ip, family)) return
    if (special.check(ip, family)) throw webhookErrors.destinationRefused(host, ip)
  }

  /** For a URL whose host is an IP literal (no lookup happens then): check it now. */
  checkUrl(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) !== 0) this.check(url.hostname, host)
  }

  /**
   * A `lookup` for http.request / net.connect: resolves like dns.lookup, then refuses the connection
   * when any address of the answer may not be reached (a mixed answer is refused whole).
   */
  readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      try {
        for (const a of addresses) this.check(hostname, a.address)
      } catch (refused) {
        return callback(refused as Error, '')
      }
      if (options.all) return callback(null, addresses)
      const [first] = addresses
      if (!first) return callback(new Error(`no address for ${hostname}`), '')
      callback(null, first.address, first.family)
    })
  }
}
