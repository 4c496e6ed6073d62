// Auth: argon2id hashes, opaque hashed session tokens, the WebSocket handshake, login limits without
// account enumeration, Origin checks, and every way of ending access closing open sockets at once.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { issueSession, revokeSessions } from '#core/auth/session-store'
import { hashToken } from '#core/auth/tokens'
import { ChatClient, httpCall, type LoginResult } from '#core/client/sdk'
import type { ConfigInput } from '#core/config'
import { CloseCodes } from '#core/protocol/messages'
import { DB_FILE } from '#core/server'
import { AdminService } from '#core/admin/admin-service'
import { findUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, refusal, sendGarbage } from './support.ts'

const PASSWORD = 'correct horse battery staple'

let hub: TestHub
const start = async (config: ConfigInput = {}) => (hub = await startHub(config))
afterEach(() => hub?.close())

const login = (user: string, password = PASSWORD) => ChatClient.login(hub.url, user, password)
const sessionIdOf = (token: string): number =>
  hub.hub.db.$client
    .prepare<[string], { id: number }>('SELECT id FROM sessions WHERE token_hash = ?')
    .get(hashToken(token))?.id ?? 0

describe('passwords and tokens', () => {
  test('passwords are argon2id hashes with at least the OWASP parameters', async () => {
    await start()
    await hub.addUser('alice', PASSWORD)
    const stored = findUser(hub.hub.db, 'alice')?.passwordHash ?? ''
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored)
    expect(m, stored).not.toBeNull()
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(19456)
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(2)
    expect(stored).not.toContain(PASSWORD)
  })

  test('login returns an opaque token of at least 128 random bits, stored only hashed', async () => {
    await start()
    await hub.addUser('alice', PASSWORD)
    const a = await login('alice')
    const b = await login('alice')
    expect(a).toMatchObject({ user: 'alice', admin: false })
    expect(a.token).not.toBe(b.token)
    const secret = a.token.replace(/^[a-z]+_/, '')
    expect(Buffer.from(secret, 'base64url').length * 8).toBeGreaterThanOrEqual(128)
    expect(new Date(a.expiresAt ?? 0).getTime()).toBeGreaterThan(Date.now())
    // Neither the database file nor its WAL holds the token; the sessions row holds its hash.
    hub.hub.db.$client.pragma('wal_checkpoint(PASSIVE)')
    for (const file of [DB_FILE, `${DB_FILE}-wal`]) {
      const path = join(hub.dataDir, file)
      if (existsSync(path)) expect(readFileSync(path).includes(a.token)).toBe(false)
    }
    const rows = hub.hub.db.$client.prepare('SELECT * FROM sessions').all()
    expect(JSON.stringify(rows)).not.toContain(secret)
    expect(sessionIdOf(a.token)).toBeGreaterThan(0)
    const me = await httpCall<{ user: string }>(hub.url, '/api/v1/me', { token: a.token })
    expect(me.user).toBe('alice')
  })

  test('expired and revoked tokens are refused over HTTP and WebSocket', async () => {
    await start()
    const alice =
      findUser(hub.hub.db, 'alice') ?? (hub.token('alice'), findUser(hub.hub.db, 'alice'))
    const expired = issueSession(hub.hub.db, alice?.id ?? 0, { ttlMs: -1000 }).token
    const revoked = issueSession(hub.hub.db, alice?.id ?? 0, { ttlMs: 3600_000 })
    revokeSessions(hub.hub.db, { userId: alice?.id ?? 0, sessionId: revoked.sessionId })
    for (const token of [expired, revoked.token, 'chs_made-up']) {
      expect((await refusal(httpCall(hub.url, '/api/v1/me', { token }))).code).toBe(
        'CHATHUB_TOKEN_INVALID',
      )
      expect((await refusal(ChatClient.connect(hub.url, token))).code).toBe('CHATHUB_TOKEN_INVALID')
    }
    expect((await refusal(httpCall(hub.url, '/api/v1/me'))).code).toBe('CHATHUB_AUTH_REQUIRED')
  })
})

describe('the WebSocket handshake', () => {
  test('the token goes in the first frame; a bad one gets CHATHUB_TOKEN_INVALID and close 4001', async () => {
    await start()
    const raw = await rawSocket(hub.url)
    raw.ws.send(JSON.stringify({ type: 'auth', ref: 'a', token: 'chs_nope' }))
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({
      code: 'CHATHUB_TOKEN_INVALID',
      ref: 'a',
    })
    expect(await raw.closed).toBe(CloseCodes.authFailed)

    const good = await rawSocket(hub.url)
    await good.auth(hub.token('alice'))
    good.ws.close()
  })

  test('any frame before auth gets CHATHUB_AUTH_REQUIRED and close 4001; a token in the URL counts for nothing', async () => {
    await start()
    const token = hub.token('alice')
    const raw = await rawSocket(`${hub.url}`, { headers: { authorization: `Bearer ${token}` } })
    raw.ws.send(JSON.stringify({ type: 'rooms', ref: 'r' }))
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({
      code: 'CHATHUB_AUTH_REQUIRED',
      ref: 'r',
    })
    expect(await raw.closed).toBe(CloseCodes.authFailed)

    const inUrl = new (await import('ws')).default(
      `${hub.url.replace('http', 'ws')}/api/v1/ws?token=${token}`,
    )
    const codes: string[] = []
    inUrl.on('message', (d) => codes.push((JSON.parse(d.toString()) as { code: string }).code))
    await new Promise((r) => inUrl.once('open', r))
    inUrl.send(JSON.stringify({ type: 'rooms', ref: 'r' }))
    expect(await new Promise((r) => inUrl.once('close', r))).toBe(CloseCodes.authFailed)
    expect(codes).toEqual(['CHATHUB_AUTH_REQUIRED'])
  })

  test('garbage before auth is answered with its code and the socket is closed 4001', async () => {
    await start()
    const raw = await rawSocket(hub.url)
    raw.ws.send('{{{')
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({
      code: 'CHATHUB_FRAME_MALFORMED',
    })
    expect(await raw.closed).toBe(CloseCodes.authFailed)
  })

  test('a socket that never authenticates is closed 4008 after authTimeoutSeconds', async () => {
    await start({ limits: { authTimeoutSeconds: 1 } })
    const started = Date.now()
    const raw = await rawSocket(hub.url)
    expect(await raw.closed).toBe(CloseCodes.authTimeout)
    expect(Date.now() - started).toBeLessThan(4000)
    // An authenticated socket is not affected.
    const alice = await hub.connect('alice')
    await sendGarbage(alice)
    await new Promise((r) => setTimeout(r, 1200))
    expect((await alice.rooms()).rooms).toEqual([])
  })
})

describe('login limits', () => {
  test('failed logins lock the account, the same for unknown accounts and wrong passwords', async () => {
    await start({ auth: { loginAttemptsPerAccount: 3 } })
    await hub.addUser('alice', PASSWORD)
    const wrong = [] as { code: string; status?: number; message?: string }[]
    const unknown = [] as typeof wrong
    for (let i = 0; i < 3; i++) {
      wrong.push((await refusal(login('alice', 'not the password'))) as (typeof wrong)[number])
      unknown.push((await refusal(login('nobody', 'not the password'))) as (typeof wrong)[number])
    }
    // Same code, status and message: nothing tells whether the account exists.
    for (const e of [...wrong, ...unknown]) {
      expect({ code: e.code, status: e.status, message: e.message }).toEqual({
        code: 'CHATHUB_AUTH_FAILED',
        status: 401,
        message: wrong[0]?.message,
      })
    }
    for (const user of ['alice', 'nobody']) {
      const locked = await refusal(login(user, PASSWORD))
      expect(locked.code).toBe('CHATHUB_RATE_LIMITED')
      expect(locked.retryAfter).toBeGreaterThan(0)
    }
    // The lock is per account: another account logs in fine.
    await hub.addUser('bob', PASSWORD)
    expect((await login('bob')).user).toBe('bob')
  })

  test('unknown account and wrong password take about the same time', async () => {
    await start({ auth: { loginAttemptsPerAccount: 50 } })
    await hub.addUser('alice', PASSWORD)
    await refusal(login('warmup', 'x'))
    const time = async (user: string) => {
      const t = performance.now()
      await refusal(login(user, 'not the password'))
      return performance.now() - t
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i++) {
      known.push(await time('alice'))
      unknown.push(await time(`ghost${i}`))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] ?? 0
    const ratio = median(known) / median(unknown)
    // Loose bounds for a busy CI machine; skipping the hash for unknown users would be ~50x.
    expect(ratio).toBeGreaterThan(1 / 3)
    expect(ratio).toBeLessThan(3)
  })

  test('login attempts are limited per address', async () => {
    await start({ auth: { loginAttemptsPerAddress: 4, loginAttemptsPerAccount: 100 } })
    await hub.addUser('alice', PASSWORD)
    for (let i = 0; i < 4; i++) await refusal(login(`user${i}`, 'x'))
    const e = await refusal(login('alice'))
    expect(e.code).toBe('CHATHUB_RATE_LIMITED')
    expect(e.retryAfter).toBeGreaterThan(0)
  })
})

describe('Origin checks (cross-site WebSocket hijacking)', () => {
  test('a browser Origin not in server.allowedOrigins is refused with HTTP 403; allowed and absent Origins work', async () => {
    await start({ server: { allowedOrigins: ['https://chat.example.org'] } })
    const token = hub.token('alice')
    const refused = await refusal(
      ChatClient.connect(hub.url, token, { headers: { Origin: 'https://evil.example' } }),
    )
    expect(refused).toMatchObject({ code: 'CHATHUB_UPGRADE_REFUSED', status: 403 })
    const ok = await ChatClient.connect(hub.url, token, {
      headers: { Origin: 'https://chat.example.org' },
    })
    await sendGarbage(ok)
    await ok.close()
    const cli = await ChatClient.connect(hub.url, token)
    await cli.close()
  })
})

describe('ending access ends open sockets', () => {
  const session = async (name: string): Promise<{ login: LoginResult; client: ChatClient }> => {
    const l = await login(name)
    return { login: l, client: await ChatClient.connect(hub.url, l.token) }
  }

  test('logout closes that session’s sockets (4002) and only those', async () => {
    await start()
    await hub.addUser('alice', PASSWORD)
    const one = await session('alice')
    const two = await session('alice')
    await httpCall(hub.url, '/api/v1/logout', { method: 'POST', token: one.login.token })
    expect(await one.client.closed()).toBe(CloseCodes.sessionRevoked)
    await sendGarbage(two.client)
    expect((await refusal(ChatClient.connect(hub.url, one.login.token))).code).toBe(
      'CHATHUB_TOKEN_INVALID',
    )
    await two.client.close()
  })

  test('a password change closes every socket of the user and returns a fresh token', async () => {
    await start()
    await hub.addUser('alice', PASSWORD)
    const one = await session('alice')
    const two = await session('alice')
    const fresh = await httpCall<{ token: string }>(hub.url, '/api/v1/password', {
      token: one.login.token,
      body: { current: PASSWORD, password: 'a brand new passphrase' },
    })
    expect(await one.client.closed()).toBe(CloseCodes.sessionRevoked)
    expect(await two.client.closed()).toBe(CloseCodes.sessionRevoked)
    expect((await refusal(ChatClient.connect(hub.url, two.login.token))).code).toBe(
      'CHATHUB_TOKEN_INVALID',
    )
    const again = await ChatClient.connect(hub.url, fresh.token)
    await again.close()
    expect((await refusal(login('alice'))).code).toBe('CHATHUB_AUTH_FAILED')
    expect((await login('alice', 'a brand new passphrase')).user).toBe('alice')
  })

  test('a wrong current password does not change it', async () => {
    await start()
    await hub.addUser('alice', PASSWORD)
    const one = await session('alice')
    const e = await refusal(
      httpCall(hub.url, '/api/v1/password', {
        token: one.login.token,
        body: { current: 'nope', password: 'whatever long enough' },
      }),
    )
    expect(e.code).toBe('CHATHUB_AUTH_FAILED')
    await sendGarbage(one.client)
    await one.client.close()
  })

  test('disabling a user (admin CLI path, through the change feed) closes their sockets', async () => {
    await start()
    await hub.addUser('carol', PASSWORD)
    const { client } = await session('carol')
    const bob = await hub.connect('bob')
    new AdminService(hub.hub.db).disableUser('carol')
    expect(await client.closed()).toBe(CloseCodes.sessionRevoked)
    expect((await refusal(login('carol'))).code).toBe('CHATHUB_USER_DISABLED')
    await sendGarbage(bob)
  })

  test('revoking one session closes its sockets only', async () => {
    await start()
    const t1 = hub.token('dave')
    const t2 = hub.token('dave')
    const c1 = await ChatClient.connect(hub.url, t1)
    const c2 = await ChatClient.connect(hub.url, t2)
    const user = findUser(hub.hub.db, 'dave')
    revokeSessions(hub.hub.db, { userId: user?.id ?? 0, sessionId: sessionIdOf(t1) })
    expect(await c1.closed()).toBe(CloseCodes.sessionRevoked)
    await sendGarbage(c2)
    await c2.close()
  })
})
