// The WebSocket with the browser session cookie: an `auth` frame without a token authenticates with
// the cookie of the upgrade only when its Origin may use it (the hub's own origin, directly or behind
// a trusted proxy, or web.allowedOrigins); otherwise it fails as a bad token does (CHATHUB_TOKEN_INVALID,
// close 4001). Logout, from this device or all, closes the sockets opened with the cookie (4002).
import { afterEach, describe, expect, test } from 'vitest'
import type { ConfigInput } from '#core/config'
import { CloseCodes, type ErrorFrame, type ServerFrame } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { startTotpHub, type TotpHub } from '#test/plugins/totp/helpers'
import { call, cookieLogin, openSocket, PASSWORD, type Socket } from './support.ts'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})
const start = async (config: ConfigInput = {}) => {
  const h = (hub = await startHub(config))
  await h.addUser('alice', PASSWORD)
  await h.addUser('bob', PASSWORD)
  return h
}

/** A socket authenticated by its cookie alone (auth frame without a token). */
const cookieSocket = async (h: TestHub, headers: Record<string, string>, from?: string): Promise<Socket> => {
  const socket = await openSocket(h.url, { headers, ...(from ? { from } : {}) })
  const answer = await socket.auth()
  if (answer.type !== 'ack') throw new Error(`cookie auth refused: ${(answer as ErrorFrame).code}`)
  return socket
}

/** The auth frame without a token is refused as a bad token is: the code, then close 4001. */
const expectRefused = async (socket: Socket, code = 'CHATHUB_TOKEN_INVALID') => {
  const answer = await socket.auth()
  expect(answer).toMatchObject({ type: 'error', code })
  expect(await socket.closed).toBe(CloseCodes.authFailed)
}

/** Still open and answering: a `rooms` request gets its ack (a sentinel, no sleeping). */
const expectOpen = async (socket: Socket) => {
  const answer: ServerFrame = await socket.request({ type: 'rooms' })
  expect(answer.type).toBe('ack')
}

const upgradeRefusal = (h: TestHub, headers: Record<string, string>, from?: string) =>
  openSocket(h.url, { headers, ...(from ? { from } : {}) }).then(
    () => {
      throw new Error('expected the upgrade to be refused')
    },
    (err: { status?: number; text?: string }) => err,
  )

describe('auth frame without a token', () => {
  test('works with the cookie from the hub’s own origin', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const socket = await openSocket(h.url, { headers: { cookie: browser.cookie, origin: h.url } })
    expect(await socket.auth()).toMatchObject({ type: 'ack', user: 'alice', admin: false, protocol: 1 })
    await expectOpen(socket)
    // The same origin with an explicit default port, or in capitals, is the same origin.
    const port = new URL(h.url).port
    const upper = await cookieSocket(h, { cookie: browser.cookie, origin: `HTTP://127.0.0.1:${port}` })
    await expectOpen(upper)
    socket.ws.close()
    upper.ws.close()
  })

  test('works behind a trusted proxy that forwards the public host; the same headers from another peer are refused', async () => {
    const h = await start({ server: { trustedProxies: ['127.0.0.1'] } })
    const browser = await cookieLogin(h, 'alice')
    const proxied = {
      cookie: browser.cookie,
      origin: 'https://chat.example.org',
      'x-forwarded-host': 'chat.example.org',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.7',
    }
    const socket = await cookieSocket(h, proxied)
    await expectOpen(socket)
    const rfc7239 = await cookieSocket(h, {
      cookie: browser.cookie,
      origin: 'https://chat.example.org:8443',
      forwarded: 'for=203.0.113.7;proto=https;host="chat.example.org:8443"',
    })
    await expectOpen(rfc7239)
    // 127.0.0.2 is no proxy: its forwarded headers are ignored, so the Origin is a foreign one.
    const refused = await upgradeRefusal(h, proxied, '127.0.0.2')
    expect(refused.status).toBe(403)
    expect(refused.text).toContain('CHATHUB_ORIGIN_REFUSED')
    socket.ws.close()
    rfc7239.ws.close()
  })

  test('works for an origin in web.allowedOrigins', async () => {
    const h = await start({ web: { allowedOrigins: ['https://app.example.org'] } })
    const browser = await cookieLogin(h, 'alice')
    const socket = await cookieSocket(h, { cookie: browser.cookie, origin: 'https://app.example.org' })
    await expectOpen(socket)
    socket.ws.close()
  })

  test('refused from a foreign origin: at the upgrade, or at auth when the origin may only use tokens', async () => {
    const h = await start({ server: { allowedOrigins: ['https://tokens.example.org'] } })
    const browser = await cookieLogin(h, 'alice')
    const refused = await upgradeRefusal(h, { cookie: browser.cookie, origin: 'https://evil.example' })
    expect(refused.status).toBe(403)
    // server.allowedOrigins may open sockets with a token, not ride on the session cookie.
    const tokensOnly = { cookie: browser.cookie, origin: 'https://tokens.example.org' }
    await expectRefused(await openSocket(h.url, { headers: tokensOnly }))
    const withToken = await openSocket(h.url, { headers: tokensOnly })
    expect((await withToken.auth(h.token('alice'))).type).toBe('ack')
    withToken.ws.close()
  })

  test('refused with no Origin, and without a cookie', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    await expectRefused(await openSocket(h.url, { headers: { cookie: browser.cookie } }))
    await expectRefused(await openSocket(h.url, { headers: { origin: h.url } }))
    await expectRefused(await openSocket(h.url, { headers: { origin: h.url, cookie: 'other=1' } }))
    // A token in the frame still works on a browser's socket (it wins over the cookie).
    const socket = await openSocket(h.url, { headers: { origin: h.url, cookie: browser.cookie } })
    expect(await socket.auth(h.token('bob'))).toMatchObject({ type: 'ack', user: 'bob' })
    socket.ws.close()
  })

  test('garbage cookies and a revoked session’s cookie are refused as bad tokens', async () => {
    const h = await start()
    const revoked = await cookieLogin(h, 'alice')
    await call(h.url, '/api/v1/logout', { method: 'POST', headers: revoked.headers })
    for (const cookie of [
      `chathub_session=${'A'.repeat(6000)}`,
      'chathub_session=%E0%A4%A',
      'chathub_session="chs_x',
      'chathub_session=chs_made-up',
      revoked.cookie,
    ]) {
      await expectRefused(await openSocket(h.url, { headers: { origin: h.url, cookie } }))
    }
  })

  test('a restricted session’s cookie is refused as its token is', async () => {
    const totp: TotpHub = await startTotpHub({ policy: 'all' })
    try {
      await totp.addUser('alice', PASSWORD)
      const browser = await cookieLogin(totp, 'alice')
      expect(browser.answer.json.restricted).toBe('totp')
      await expectRefused(await openSocket(totp.url, { headers: { origin: totp.url, cookie: browser.cookie } }), 'CHATHUB_SESSION_RESTRICTED')
    } finally {
      await totp.close()
    }
  })
})

describe('logout closes the sockets', () => {
  test('logout with the cookie closes the socket opened with it (4002), not those of other sessions', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const other = await cookieLogin(h, 'alice')
    const mine = await cookieSocket(h, { cookie: browser.cookie, origin: h.url })
    const theirs = await cookieSocket(h, { cookie: other.cookie, origin: h.url })
    const out = await call(h.url, '/api/v1/logout', { method: 'POST', headers: browser.headers })
    expect(out.json).toEqual({ ok: true })
    expect(await mine.closed).toBe(CloseCodes.sessionRevoked)
    await expectOpen(theirs)
    await expectRefused(await openSocket(h.url, { headers: { cookie: browser.cookie, origin: h.url } }))
    theirs.ws.close()
  })

  test('logout of all devices closes every socket of the user, cookie or token, and no one else’s', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const byCookie = await cookieSocket(h, { cookie: browser.cookie, origin: h.url })
    const byToken = await openSocket(h.url)
    expect((await byToken.auth(h.token('alice'))).type).toBe('ack')
    const bob = await openSocket(h.url)
    expect((await bob.auth(h.token('bob'))).type).toBe('ack')
    const out = await call(h.url, '/api/v1/logout', { method: 'POST', headers: browser.headers, body: { all: true } })
    expect(out.json).toEqual({ ok: true })
    expect(await byCookie.closed).toBe(CloseCodes.sessionRevoked)
    expect(await byToken.closed).toBe(CloseCodes.sessionRevoked)
    await expectOpen(bob)
    bob.ws.close()
  })
})
