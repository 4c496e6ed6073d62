// server.trustedProxies: X-Forwarded-For names the client only when the peer is a trusted proxy, so
// a client cannot choose the address its per-address limits count under. Peers are real loopback
// source addresses: 127.0.0.1 plays the proxy, 127.0.0.2 a client connecting directly.
import { afterEach, describe, expect, test } from 'vitest'
import { proxyTrust } from '#core/auth/trusted-proxies'
import type { ConfigInput } from '#core/config'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { loginFrom } from './http-from.ts'
import { refusal } from './support.ts'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

const LIMITS = { auth: { loginAttemptsPerAddress: 3, loginAttemptsPerAccount: 100 } }
const start = async (config: ConfigInput) => {
  const h = (hub = await startHub({ ...LIMITS, ...config }))
  return h
}
const fail = (h: TestHub, from: string, forwardedFor: string, user = 'nobody') =>
  loginFrom(h.url, user, 'wrong', { from, headers: { 'x-forwarded-for': forwardedFor } })
const failedIps = (h: TestHub) => h.logs.filter((l) => l.msg === 'login failed').map((l) => l.ip)

describe('X-Forwarded-For', () => {
  test('from a peer that is not a trusted proxy it is ignored: the per-address limit counts the peer', async () => {
    const h = await start({ server: { trustedProxies: ['127.0.0.1'] } })
    for (let i = 1; i <= 3; i++) {
      expect((await fail(h, '127.0.0.2', `203.0.113.${i}`)).body.code).toBe('CHATHUB_AUTH_FAILED')
    }
    const fourth = await fail(h, '127.0.0.2', '203.0.113.4')
    expect(fourth.body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(fourth.body.retryAfter).toBeGreaterThan(0)
    expect(failedIps(h)).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.2'])
  })

  test('from a trusted proxy it is honoured, from its nearest untrusted hop: entries a client prepends count for nothing', async () => {
    const h = await start({ server: { trustedProxies: ['127.0.0.1', '10.0.0.0/8'] } })
    // Through two trusted proxies (10.1.2.3 in front of 127.0.0.1): the client is 203.0.113.7.
    for (let i = 0; i < 3; i++) {
      const spoofed = `198.51.100.${i}, 203.0.113.7, 10.1.2.3`
      expect((await fail(h, '127.0.0.1', spoofed)).body.code).toBe('CHATHUB_AUTH_FAILED')
    }
    expect((await fail(h, '127.0.0.1', '198.51.100.9, 203.0.113.7')).body.code).toBe(
      'CHATHUB_RATE_LIMITED',
    )
    // Another client behind the same proxy has its own count.
    expect((await fail(h, '127.0.0.1', '203.0.113.8')).body.code).toBe('CHATHUB_AUTH_FAILED')
    expect(failedIps(h)).toEqual(['203.0.113.7', '203.0.113.7', '203.0.113.7', '203.0.113.8'])
  })

  test('with no trusted proxies (the default) it is ignored', async () => {
    const h = await start({})
    for (let i = 1; i <= 3; i++) await fail(h, '127.0.0.1', `203.0.113.${i}`)
    expect((await fail(h, '127.0.0.1', '203.0.113.4')).body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(failedIps(h)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
  })
})

describe('configuration', () => {
  test('trustProxy: true (deprecated) trusts this machine only, and says so at start', async () => {
    expect(proxyTrust({ trustProxy: true, trustedProxies: [] })).toEqual(['loopback'])
    expect(proxyTrust({ trustProxy: false, trustedProxies: [] })).toBe(false)
    expect(proxyTrust({ trustProxy: true, trustedProxies: ['10.0.0.1'] })).toEqual([
      '10.0.0.1',
      'loopback',
    ])
    const h = await start({ server: { trustProxy: true } })
    expect(h.logs.find((l) => l.level === 40 && String(l.msg).includes('trustProxy'))).toBeDefined()
    await fail(h, '127.0.0.2', '203.0.113.5')
    expect(failedIps(h)).toEqual(['203.0.113.5'])
  })

  test('an entry that is not an address, a CIDR range or a named range stops the hub with CHATHUB_CONFIG_INVALID', async () => {
    const e = await refusal(
      startHub({ server: { trustedProxies: ['10.0.0.0/8', 'proxy.example', '10.0.0.0/33'] } }),
    )
    expect(e.code).toBe('CHATHUB_CONFIG_INVALID')
    expect((e as { message?: string }).message).toMatch(/"proxy\.example"[\s\S]*"10\.0\.0\.0\/33"/)
    for (const good of [
      '::1',
      '2001:db8::/32',
      '192.168.0.0/255.255.0.0',
      'uniquelocal',
      'linklocal',
    ]) {
      expect(proxyTrust({ trustProxy: false, trustedProxies: [good] })).toEqual([good])
    }
  })
})
