// Browser sessions over HTTP: cookie login (attributes, no token in the answer or the log, Secure
// under TLS as a trusted proxy reports it), the TOTP second step in cookie mode, cookie-authenticated
// reads, the CSRF check on writes (and Bearer requests untouched), logout and logout everywhere,
// password change, and cookies that are garbage or belong to a revoked session.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { ConfigInput } from '#core/config'
import { selfSignedCert } from '#test/helpers/self-signed'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { codeFor, enrol, startTotpHub, type TotpHub } from '#test/plugins/totp/helpers'
import { type Answer, type Browser, browserOf, call, cookieLogin, openSocket, PASSWORD, setCookies } from './support.ts'

const hasOpenssl = spawnSync('openssl', ['version']).status === 0

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})
const start = async (config: ConfigInput = {}) => {
  const h = (hub = await startHub(config))
  await h.addUser('alice', PASSWORD)
  return h
}

const me = (h: TestHub, headers: Record<string, string>) => call(h.url, '/api/v1/me', { headers })

/** A room with one message, alice a member: a POST the CSRF tests can make succeed (the read marker). */
const roomWithMessage = async (h: TestHub): Promise<void> => {
  const socket = await openSocket(h.url)
  expect((await socket.auth(h.token('alice'))).type).toBe('ack')
  expect((await socket.request({ type: 'create', room: 'general' })).type).toBe('ack')
  expect((await socket.request({ type: 'say', room: 'general', text: 'hi', txn: 't1' })).type).toBe('ack')
  socket.ws.close()
}
const markRead = (h: TestHub, headers: Record<string, string>, from?: string) =>
  call(h.url, '/api/v1/rooms/general/read', { body: { seq: 1 }, headers, ...(from ? { from } : {}) })

const expectCsrfRefused = (answer: Answer, what: string) => {
  expect(answer.status, what).toBe(403)
  expect(answer.json.code, what).toBe('CHATHUB_CSRF_REFUSED')
}

describe('cookie login', () => {
  test('sets the HttpOnly session cookie and a readable CSRF cookie; the token is in neither the answer nor the log', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const { answer } = browser
    expect(Object.keys(answer.json).sort()).toEqual(['admin', 'csrf', 'expiresAt', 'session', 'user'])
    expect(answer.json).toMatchObject({ session: 'cookie', user: 'alice', admin: false, csrf: browser.csrf })
    expect(browser.session).toMatch(/^chs_/)
    expect(browser.csrf.length).toBeGreaterThanOrEqual(32)
    expect(answer.text).not.toContain(browser.session)

    const cookies = setCookies(answer)
    const ttl = 720 * 3600
    for (const [name, httpOnly] of [['chathub_session', true], ['chathub_csrf', false]] as const) {
      const attributes: Record<string, string> = cookies[name]?.attributes ?? {}
      expect(attributes.path, name).toBe('/')
      expect(attributes.samesite, name).toBe('Strict')
      expect('httponly' in attributes, name).toBe(httpOnly)
      // Plain HTTP: not Secure (the browser would drop it).
      expect('secure' in attributes, name).toBe(false)
      const maxAge = Number(attributes['max-age'])
      expect(maxAge, name).toBeGreaterThan(ttl - 60)
      expect(maxAge, name).toBeLessThanOrEqual(ttl)
      expect(Math.abs(Date.parse(String(answer.json.expiresAt)) - Date.now() - maxAge * 1000), name).toBeLessThan(60_000)
    }
    expect(JSON.stringify(h.logs)).not.toContain(browser.session)

    // Without "session": the answer has the token, and no cookie is set (CLI, bots: unchanged).
    const plain = await call(h.url, '/api/v1/login', { body: { user: 'alice', password: PASSWORD } })
    expect(plain.json.token).toMatch(/^chs_/)
    expect(plain.headers['set-cookie']).toBeUndefined()
    const bad = await call(h.url, '/api/v1/login', { body: { user: 'alice', password: PASSWORD, session: 'jar' } })
    expect(bad.json.code).toBe('CHATHUB_REQUEST_INVALID')
  })

  test('Secure when a trusted proxy says the client came over TLS, not when any peer says so', async () => {
    const h = await start({ server: { trustedProxies: ['127.0.0.1'] } })
    const login = (from: string, headers: Record<string, string>) =>
      call(h.url, '/api/v1/login', { from, headers, body: { user: 'alice', password: PASSWORD, session: 'cookie' } })
    const secure = (answer: Answer) =>
      Object.values(setCookies(answer)).map((c) => 'secure' in c.attributes)

    expect(secure(await login('127.0.0.1', { 'x-forwarded-proto': 'https' }))).toEqual([true, true])
    expect(secure(await login('127.0.0.1', { forwarded: 'for=203.0.113.7;proto=https;host=chat.example.org' }))).toEqual([true, true])
    expect(secure(await login('127.0.0.1', {}))).toEqual([false, false])
    // 127.0.0.2 is not a trusted proxy: what it says about TLS is ignored.
    expect(secure(await login('127.0.0.2', { 'x-forwarded-proto': 'https' }))).toEqual([false, false])
    expect(secure(await login('127.0.0.2', { forwarded: 'proto=https' }))).toEqual([false, false])
  })

  test.skipIf(!hasOpenssl)('Secure when the hub itself serves TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chathub-tls-'))
    try {
      const { certFile, keyFile } = selfSignedCert(dir)
      const h = await start({ server: { tlsCert: certFile, tlsKey: keyFile } })
      const url = h.url.replace('http:', 'https:')
      const answer = await call(url, '/api/v1/login', {
        body: { user: 'alice', password: PASSWORD, session: 'cookie' },
        headers: { origin: url },
      })
      const cookies = setCookies(answer)
      expect('secure' in (cookies.chathub_session?.attributes ?? {})).toBe(true)
      expect('secure' in (cookies.chathub_csrf?.attributes ?? {})).toBe(true)
      // The page's own origin is https://127.0.0.1:PORT: its socket authenticates with the cookie.
      const browser = browserOf({ ...h, url }, answer)
      const socket = await openSocket(url, { headers: { cookie: browser.cookie, origin: url } })
      expect(await socket.auth()).toMatchObject({ type: 'ack', user: 'alice' })
      socket.ws.close()
      const who = await call(url, '/api/v1/me', { headers: { cookie: browser.cookie } })
      expect(who.json.csrf).toBe(browser.csrf)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a cookie login from a page of another origin is refused, and sets nothing', async () => {
    const h = await start({ web: { allowedOrigins: ['https://app.example.org'] } })
    const body = { user: 'alice', password: PASSWORD, session: 'cookie' }
    const foreign = await call(h.url, '/api/v1/login', { body, headers: { origin: 'https://evil.example' } })
    expectCsrfRefused(foreign, 'foreign origin')
    expect(foreign.headers['set-cookie']).toBeUndefined()
    const listed = await call(h.url, '/api/v1/login', { body, headers: { origin: 'https://app.example.org' } })
    expect(listed.json.session).toBe('cookie')
    // No Origin (not a browser, or a same-origin request of an old one): allowed.
    expect((await call(h.url, '/api/v1/login', { body })).json.session).toBe('cookie')
  })
})

test('a web.allowedOrigins entry that is not an origin stops the start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-test-'))
  try {
    for (const entry of ['chat.example.org', 'https://chat.example.org/app', 'null', 'ftp://chat.example.org']) {
      await expect(startHub({ web: { allowedOrigins: [entry] } }, { dataDir }), entry).rejects.toMatchObject({
        code: 'CHATHUB_CONFIG_INVALID',
        message: expect.stringContaining(`web.allowedOrigins: "${entry}" is not an origin`),
      })
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})

describe('two-factor login in cookie mode', () => {
  let totp: TotpHub
  afterEach(() => totp.close())

  const enrolled = async () => {
    totp = await startTotpHub()
    await totp.addUser('alice', PASSWORD)
    const first = await call(totp.url, '/api/v1/login', { body: { user: 'alice', password: PASSWORD } })
    return enrol(totp, String(first.json.token))
  }

  test('the second step with the ticket sets the cookies; so does the password sent again with the code', async () => {
    const { uri } = await enrolled()
    const body = { user: 'alice', password: PASSWORD, session: 'cookie' }
    const first = await call(totp.url, '/api/v1/login', { body, headers: { origin: totp.url } })
    expect(first.status).toBe(401)
    expect(first.json).toMatchObject({ code: 'TOTP_CODE_REQUIRED' })
    expect(first.headers['set-cookie']).toBeUndefined()

    const second = await call(totp.url, '/plugins/totp/login', {
      body: { ticket: first.json.ticket, code: codeFor(uri, totp.clock.now), session: 'cookie' },
      headers: { origin: totp.url },
    })
    expect(second.status).toBe(200)
    expect(Object.keys(second.json).sort()).toEqual(['admin', 'csrf', 'expiresAt', 'session', 'user'])
    const browser = browserOf(totp, second)
    expect(setCookies(second).chathub_session?.attributes).toHaveProperty('httponly')
    expect(second.text).not.toContain(browser.session)
    expect((await me(totp, { cookie: browser.cookie })).json).toMatchObject({ user: 'alice', csrf: browser.csrf })
    // A plugin route with the cookie: reads pass, writes need the CSRF header.
    expect((await call(totp.url, '/plugins/totp/status', { headers: { cookie: browser.cookie } })).json.enabled).toBe(true)
    totp.clock.advance(30)
    const verify = { code: codeFor(uri, totp.clock.now) }
    expectCsrfRefused(await call(totp.url, '/plugins/totp/verify', { body: verify, headers: { cookie: browser.cookie } }), 'verify')
    expect((await call(totp.url, '/plugins/totp/verify', { body: verify, headers: browser.headers })).json.ok).toBe(true)

    // One request: the code along with the password.
    totp.clock.advance(30)
    const once = await call(totp.url, '/api/v1/login', { body: { ...body, code: codeFor(uri, totp.clock.now) } })
    expect(once.json.session).toBe('cookie')
    expect(setCookies(once).chathub_session?.value).toMatch(/^chs_/)
    expect(JSON.stringify(totp.logs)).not.toContain(browser.session)
  })

  test('a wrong code sets no cookie; a foreign origin is refused at the second step too', async () => {
    const { uri } = await enrolled()
    const first = await call(totp.url, '/api/v1/login', { body: { user: 'alice', password: PASSWORD, session: 'cookie' } })
    const code = codeFor(uri, totp.clock.now)
    const wrong = await call(totp.url, '/plugins/totp/login', {
      body: { ticket: first.json.ticket, code: code === '000000' ? '111111' : '000000', session: 'cookie' },
    })
    expect(wrong.json.code).toBe('TOTP_CODE_INVALID')
    expect(wrong.headers['set-cookie']).toBeUndefined()
    const foreign = await call(totp.url, '/plugins/totp/login', {
      body: { ticket: first.json.ticket, code, session: 'cookie' },
      headers: { origin: 'https://evil.example' },
    })
    expectCsrfRefused(foreign, 'second step from a foreign origin')
    expect(foreign.headers['set-cookie']).toBeUndefined()
  })
})

describe('requests with the cookie', () => {
  test('reads work with the cookie alone; /me also gives the CSRF value', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const who = await me(h, { cookie: browser.cookie })
    expect(who.json).toEqual({ user: 'alice', admin: false, kind: 'person', csrf: browser.csrf })
    const rooms = await call(h.url, '/api/v1/rooms', { headers: { cookie: browser.cookie } })
    expect(rooms.status).toBe(200)
    expect(rooms.json).toHaveProperty('rooms')
    // With a Bearer token there is no csrf in /me.
    expect(await me(h, { authorization: `Bearer ${h.token('alice')}` }).then((a) => a.json.csrf)).toBeUndefined()
  })

  test('a write needs the CSRF header matching the cookie, and an allowed Origin if one is sent', async () => {
    const h = await start({ web: { allowedOrigins: ['https://app.example.org'] } })
    await roomWithMessage(h)
    const browser = await cookieLogin(h, 'alice')
    const { cookie, csrf } = browser
    expectCsrfRefused(await markRead(h, { cookie }), 'no header')
    expectCsrfRefused(await markRead(h, { cookie, 'x-chathub-csrf': `${csrf}x` }), 'wrong header')
    expectCsrfRefused(await markRead(h, { cookie, 'x-chathub-csrf': '' }), 'empty header')
    expectCsrfRefused(
      await markRead(h, { cookie: `chathub_session=${browser.session}`, 'x-chathub-csrf': csrf }),
      'header without the CSRF cookie',
    )
    expectCsrfRefused(
      await markRead(h, { cookie, 'x-chathub-csrf': csrf, origin: 'https://evil.example' }),
      'foreign origin',
    )
    expectCsrfRefused(await markRead(h, { cookie, 'x-chathub-csrf': csrf, origin: 'null' }), 'opaque origin')
    // The logout route is a write like any other: no forced logout without the header.
    expectCsrfRefused(await call(h.url, '/api/v1/logout', { method: 'POST', headers: { cookie } }), 'logout')

    for (const headers of [
      browser.headers,
      { cookie, 'x-chathub-csrf': csrf },
      { cookie, 'x-chathub-csrf': csrf, origin: 'https://app.example.org' },
    ]) {
      const ok = await markRead(h, headers)
      expect(ok.status, JSON.stringify(headers)).toBe(200)
    }
    // Still logged in: nothing above ended the session.
    expect((await me(h, { cookie })).json.user).toBe('alice')
  })

  test('the hub’s own origin behind a trusted proxy is allowed; the same headers from another peer are not', async () => {
    const h = await start({ server: { trustedProxies: ['127.0.0.1'] } })
    await roomWithMessage(h)
    const browser = await cookieLogin(h, 'alice')
    const proxied = {
      cookie: browser.cookie,
      'x-chathub-csrf': browser.csrf,
      origin: 'https://chat.example.org',
      'x-forwarded-host': 'chat.example.org',
      'x-forwarded-proto': 'https',
    }
    expect((await markRead(h, proxied)).status).toBe(200)
    expectCsrfRefused(await markRead(h, proxied, '127.0.0.2'), 'untrusted peer')
    const rfc7239 = { ...browser.headers, origin: 'https://chat.example.org', forwarded: 'for=203.0.113.7;host="chat.example.org";proto=https' }
    expect((await markRead(h, rfc7239)).status).toBe(200)
  })

  test('Bearer requests need no CSRF header, whatever cookies or Origin they carry', async () => {
    const h = await start()
    await roomWithMessage(h)
    const token = h.token('alice')
    expect((await markRead(h, { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await markRead(h, { authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(200)
    // The Authorization header decides alone: a cookie beside it is not looked at.
    expect((await markRead(h, { authorization: `Bearer ${token}`, cookie: 'chathub_session=garbage' })).status).toBe(200)
    const wrong = await markRead(h, { authorization: 'Bearer chs_nope', cookie: (await cookieLogin(h, 'alice')).cookie })
    expect(wrong.json.code).toBe('CHATHUB_TOKEN_INVALID')
  })

  test('garbage and revoked cookies are refused like bad tokens', async () => {
    const h = await start()
    const revoked = await cookieLogin(h, 'alice')
    expect((await call(h.url, '/api/v1/logout', { method: 'POST', headers: revoked.headers })).json.ok).toBe(true)
    for (const cookie of [
      `chathub_session=${'A'.repeat(6000)}`,
      'chathub_session=%E0%A4%A',
      'chathub_session="chs_unterminated',
      'chathub_session=chs_%00%0d%0a',
      'chathub_session=chs_\u00e9t\u00e9',
      'chathub_session=chs_made-up',
      revoked.cookie,
    ]) {
      const answer = await me(h, { cookie })
      expect(answer.status, cookie.slice(0, 40)).toBe(401)
      expect(answer.json.code, cookie.slice(0, 40)).toBe('CHATHUB_TOKEN_INVALID')
    }
    for (const cookie of ['', 'chathub_session=', ';;;=', 'other=1']) {
      expect((await me(h, { cookie })).json.code, cookie).toBe('CHATHUB_AUTH_REQUIRED')
    }
    // A write with a garbage cookie fails the CSRF check first.
    expectCsrfRefused(await call(h.url, '/api/v1/logout', { method: 'POST', headers: { cookie: 'chathub_session=x' } }), 'garbage write')
  })
})

describe('logout and password change', () => {
  const logout = (h: TestHub, headers: Record<string, string>, body?: unknown) =>
    call(h.url, '/api/v1/logout', { method: 'POST', headers, ...(body === undefined ? {} : { body }) })

  test('logout with the cookie revokes the session and clears both cookies', async () => {
    const h = await start()
    const browser = await cookieLogin(h, 'alice')
    const other = await cookieLogin(h, 'alice')
    const out = await logout(h, browser.headers)
    expect(out.json).toEqual({ ok: true })
    const cleared = setCookies(out)
    for (const name of ['chathub_session', 'chathub_csrf']) {
      expect(cleared[name]?.value, name).toBe('')
      expect(cleared[name]?.attributes['max-age'], name).toBe('0')
      expect(cleared[name]?.attributes.path, name).toBe('/')
    }
    expect((await me(h, { cookie: browser.cookie })).json.code).toBe('CHATHUB_TOKEN_INVALID')
    // Only that session: another browser stays logged in.
    expect((await me(h, { cookie: other.cookie })).json.user).toBe('alice')
    // A Bearer logout sets no cookies.
    const bearer = await logout(h, { authorization: `Bearer ${h.token('alice')}` })
    expect(bearer.json).toEqual({ ok: true })
    expect(bearer.headers['set-cookie']).toBeUndefined()
  })

  test('logout with { all: true } revokes every session of the user, and only theirs', async () => {
    const h = await start()
    await h.addUser('bob', PASSWORD)
    const browser = await cookieLogin(h, 'alice')
    const token = h.token('alice')
    const bob = await cookieLogin(h, 'bob')
    expect((await logout(h, { authorization: `Bearer ${h.token('alice')}` }, { all: true })).json).toEqual({ ok: true })
    expect((await me(h, { cookie: browser.cookie })).json.code).toBe('CHATHUB_TOKEN_INVALID')
    expect((await me(h, { authorization: `Bearer ${token}` })).json.code).toBe('CHATHUB_TOKEN_INVALID')
    expect((await me(h, { cookie: bob.cookie })).json.user).toBe('bob')
    // From the browser too (and the cookies go).
    const again = await cookieLogin(h, 'alice')
    const second = await cookieLogin(h, 'alice')
    const out = await logout(h, again.headers, { all: true })
    expect(setCookies(out).chathub_session?.attributes['max-age']).toBe('0')
    expect((await me(h, { cookie: second.cookie })).json.code).toBe('CHATHUB_TOKEN_INVALID')
    expect((await logout(h, bob.headers, { all: 'yes' })).json.code).toBe('CHATHUB_REQUEST_INVALID')
  })

  test('a password change with the cookie sets a new session cookie instead of answering the token', async () => {
    const h = await start()
    const browser: Browser = await cookieLogin(h, 'alice')
    const changed = await call(h.url, '/api/v1/password', {
      body: { current: PASSWORD, password: 'a brand new passphrase' },
      headers: browser.headers,
    })
    expect(changed.status).toBe(200)
    expect(Object.keys(changed.json).sort()).toEqual(['csrf', 'expiresAt', 'session'])
    const fresh = browserOf(h, changed)
    expect(fresh.session).toMatch(/^chs_/)
    expect(fresh.session).not.toBe(browser.session)
    expect(fresh.csrf).not.toBe(browser.csrf)
    expect(changed.text).not.toContain(fresh.session)
    expect((await me(h, { cookie: browser.cookie })).json.code).toBe('CHATHUB_TOKEN_INVALID')
    expect((await me(h, { cookie: fresh.cookie })).json).toMatchObject({ user: 'alice', csrf: fresh.csrf })
    // Without the CSRF header nothing changes.
    const refused = await call(h.url, '/api/v1/password', {
      body: { current: 'a brand new passphrase', password: 'yet another passphrase' },
      headers: { cookie: fresh.cookie },
    })
    expectCsrfRefused(refused, 'password change')
  })
})
