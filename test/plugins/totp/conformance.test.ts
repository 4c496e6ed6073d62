// Conformance: RFC 6238 Appendix B vectors through the plugin's own verification path (sealed secret,
// per-account parameters, window, replay state), the Key Uri Format, and the QR code decoded back.
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { expect, test } from 'vitest'
import { deriveKeys, fromBase32, sealSecret } from '#plugins/totp/crypto'
import { qrPng, qrTerminal } from '#plugins/totp/qr'
import { totpAccounts } from '#plugins/totp/schema'
import { keyUri, matchStep } from '#plugins/totp/totp'
import { post, startTotpHub } from './helpers.ts'

// RFC 6238 Appendix B: seeds are ASCII digits, 20/32/64 bytes for SHA1/SHA256/SHA512; 8 digits, 30 s.
// jsqr is CommonJS typed as an ES default export: under NodeNext the default is the module object.
type JsQr = typeof jsQRModule.default
const jsQR: JsQr =
  (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr)

const SEEDS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  // T beyond 2^32 seconds (year 2603): the 64-bit time/counter path, not a 32-bit one.
  [20000000000, '65353130', '77737706', '47863826'],
]

test('RFC 6238 Appendix B: all 18 vectors verify through the plugin (HTTP step-up route)', async () => {
  const hub = await startTotpHub({ maxAttempts: 20 })
  try {
    const keys = deriveKeys(hub.hub.serverKey)
    const tokens: Record<string, string> = {}
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const name = `rfc-${algorithm.toLowerCase()}`
      tokens[algorithm] = hub.token(name)
      const id = hub.hub.db.$client.prepare<[string], { id: number }>('SELECT id FROM users WHERE name = ?').get(name)?.id ?? 0
      const seed = Buffer.from(SEEDS[algorithm], 'ascii')
      expect(seed.length).toBe({ SHA1: 20, SHA256: 32, SHA512: 64 }[algorithm])
      hub.hub.db
        .insert(totpAccounts)
        .values({ userId: id, secret: sealSecret(keys, id, seed), status: 'enabled', algorithm, digits: 8, period: 30, createdAt: 0 })
        .run()
    }
    let checked = 0
    for (const [t, ...codes] of VECTORS) {
      hub.clock.now = t * 1000
      for (const [i, algorithm] of (['SHA1', 'SHA256', 'SHA512'] as const).entries()) {
        const code = codes[i] ?? ''
        // A neighbouring wrong code is refused first; then the vector is accepted.
        const wrong = code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10)
        await expect(post(hub, '/plugins/totp/verify', tokens[algorithm], { code: wrong })).rejects.toMatchObject({
          code: 'TOTP_CODE_INVALID',
        })
        await post(hub, '/plugins/totp/verify', tokens[algorithm], { code })
        checked++
      }
    }
    expect(checked).toBe(18)
  } finally {
    await hub.close()
  }
})

test('RFC 6238 vectors through matchStep report the RFC time step (T=20000000000 -> 0x27BC86AA)', () => {
  const seed = Buffer.from(SEEDS.SHA1)
  const params = { algorithm: 'SHA1', digits: 8, period: 30 } as const
  expect(matchStep(params, seed, '65353130', 20000000000, 0)).toBe(0x27bc86aa)
  expect(matchStep(params, seed, '94287082', 59, 0)).toBe(1)
  expect(matchStep(params, seed, '9428708', 59, 0)).toBeUndefined()
  expect(matchStep(params, seed, 'abcdefgh', 59, 0)).toBeUndefined()
})

test('the URI follows the Key Uri Format and the PNG QR code decodes back to it', async () => {
  const secret = Buffer.alloc(20, 7)
  const uri = keyUri({
    issuer: 'My Hub',
    account: 'alice',
    secret,
    params: { algorithm: 'SHA256', digits: 8, period: 60 },
  })
  const url = new URL(uri)
  expect(url.protocol).toBe('otpauth:')
  expect(url.host).toBe('totp')
  expect(decodeURIComponent(url.pathname)).toBe('/My Hub:alice')
  expect(url.searchParams.get('issuer')).toBe('My Hub')
  expect(url.searchParams.get('algorithm')).toBe('SHA256')
  expect(url.searchParams.get('digits')).toBe('8')
  expect(url.searchParams.get('period')).toBe('60')
  const b32 = url.searchParams.get('secret') ?? ''
  expect(b32).toMatch(/^[A-Z2-7]+$/) // RFC 4648 base32, no padding
  expect(Buffer.from(fromBase32(b32))).toEqual(secret)

  const png = PNG.sync.read(await qrPng(uri))
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  expect(decoded?.data).toBe(uri)
  expect(await qrTerminal(uri)).toMatch(/[▀▄█]/)
})

test('a fresh enrolment URI: issuer, account, a 160-bit secret and every parameter', async () => {
  const hub = await startTotpHub()
  try {
    const { uri } = await post<{ uri: string }>(hub, '/plugins/totp/setup', hub.token('erin'))
    const url = new URL(uri)
    expect(decodeURIComponent(url.pathname)).toBe('/Test Hub:erin')
    expect(url.searchParams.get('issuer')).toBe('Test Hub')
    expect(fromBase32(url.searchParams.get('secret') ?? '').length).toBeGreaterThanOrEqual(20)
    expect(Object.fromEntries(['algorithm', 'digits', 'period'].map((k) => [k, url.searchParams.get(k)]))).toEqual({
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    })
  } finally {
    await hub.close()
  }
})
