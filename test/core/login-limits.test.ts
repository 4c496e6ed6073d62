// Login limits (core/auth/login-limiter.ts): an attempt is taken before its password is checked, so
// parallel attempts cannot slip past a limit; the hard limit is per account AND address, so an
// attacker cannot lock the owner out; guessing one account from many addresses is slowed by a
// growing back-off. Distinct peers are real loopback source addresses (127.0.0.x); time is injected.
import { afterEach, describe, expect, test } from 'vitest'
import type { ConfigInput } from '#core/config'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { type Answer, loginFrom, tally } from './http-from.ts'
import { waitFor } from './support.ts'

const PASSWORD = 'correct horse battery staple'
const WRONG = 'not the password'

let hub: TestHub
let clock = Date.parse('2030-01-01T00:00:00Z')
const start = async (config: ConfigInput) => {
  hub = await startHub(config, { now: () => clock })
  await hub.addUser('alice', PASSWORD)
}
afterEach(() => hub?.close())

const login = (password: string, from = '127.0.0.1') =>
  loginFrom(hub.url, 'alice', password, { from })
/** Password checks the hub made: each failed one is logged once as "login failed". */
const passwordFailures = () => hub.logs.filter((l) => l.msg === 'login failed').length
const loginRequests = () =>
  hub.logs.filter(
    (l) => l.msg === 'incoming request' && (l.req as { url?: string }).url === '/api/v1/login',
  ).length
const sessionCount = () =>
  (hub.hub.db.$client.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n

describe('parallel attempts', () => {
  test('30 wrong passwords at once: only loginAttemptsPerAccount are checked; the right one after them is refused', async () => {
    await start({ auth: { loginAttemptsPerAccount: 5 } })
    const answers = await Promise.all(Array.from({ length: 30 }, () => login(WRONG)))
    expect(tally(answers)).toEqual({ CHATHUB_AUTH_FAILED: 5, CHATHUB_RATE_LIMITED: 25 })
    for (const a of answers.filter((x) => x.body.code === 'CHATHUB_RATE_LIMITED')) {
      expect(a.status).toBe(429)
      expect(a.body.retryAfter).toBeGreaterThan(0)
      expect(a.headers['retry-after']).toBe(String(a.body.retryAfter))
    }
    expect(passwordFailures()).toBe(5)

    // The limit is used up for this address: even the right password is not accepted.
    const right = await login(PASSWORD)
    expect(right.body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(right.body.token).toBeUndefined()
    expect(sessionCount()).toBe(0)
  })

  test('the right password sent while 29 wrong ones are being checked is refused, not accepted', async () => {
    await start({ auth: { loginAttemptsPerAccount: 5 } })
    const wrong = Array.from({ length: 29 }, () => login(WRONG))
    // Every wrong attempt has reached the hub (and taken the limiter) before the right one is sent;
    // their password checks are still running, so no failure has been counted yet.
    await waitFor(() => loginRequests() === 29)
    const right = await login(PASSWORD)
    expect(right.body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(tally(await Promise.all(wrong))).toEqual({
      CHATHUB_AUTH_FAILED: 5,
      CHATHUB_RATE_LIMITED: 24,
    })
    expect(passwordFailures()).toBe(5)
    expect(sessionCount()).toBe(0)
  })
})

describe('the hard limit is per account and address', () => {
  test('an attacker at one address cannot lock the owner out at another', async () => {
    await start({ auth: { loginAttemptsPerAccount: 5 } })
    for (let i = 0; i < 5; i++)
      expect((await login(WRONG, '127.0.0.2')).body.code).toBe('CHATHUB_AUTH_FAILED')
    // The attacker's address is limited for the account, whatever it sends.
    const limited = await login(PASSWORD, '127.0.0.2')
    expect(limited.body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(limited.body.retryAfter).toBeGreaterThan(60)

    const owner = await login(PASSWORD, '127.0.0.3')
    expect(owner.status).toBe(200)
    expect(owner.body.token).toMatch(/^chs_/)
    // The owner's success does not lift the attacker's limit.
    expect((await login(WRONG, '127.0.0.2')).body.code).toBe('CHATHUB_RATE_LIMITED')
    expect(passwordFailures()).toBe(5)
  })
})

describe('account-wide back-off', () => {
  const expectLimited = (a: Answer, retryAfter: number) =>
    expect({ code: a.body.code, retryAfter: a.body.retryAfter }).toEqual({
      code: 'CHATHUB_RATE_LIMITED',
      retryAfter,
    })

  test('guessing from many addresses is slowed: one attempt per 1, 2, 4 s, capped; never a lock-out for the window', async () => {
    await start({ auth: { loginAttemptsPerAccount: 2, loginBackoffMaxSeconds: 4 } })
    let peer = 10
    const fresh = () => `127.0.0.${peer++}`
    // The free allowance, then the first slowed attempt.
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expectLimited(await login(WRONG, fresh()), 1)
    clock += 1000
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expectLimited(await login(WRONG, fresh()), 2)
    clock += 2000
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expectLimited(await login(WRONG, fresh()), 4)
    clock += 4000
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
    expectLimited(await login(WRONG, fresh()), 4) // the cap

    // In parallel from ten addresses, once the wait is over: one attempt is checked.
    clock += 4000
    const burst = await Promise.all(Array.from({ length: 10 }, () => login(WRONG, fresh())))
    expect(tally(burst)).toEqual({ CHATHUB_AUTH_FAILED: 1, CHATHUB_RATE_LIMITED: 9 })
    expect(passwordFailures()).toBe(7)

    // The owner at a new address waits seconds, not the window, then gets in; that resets the back-off.
    expectLimited(await login(PASSWORD, fresh()), 4)
    clock += 4000
    expect((await login(PASSWORD, fresh())).status).toBe(200)
    expect((await login(WRONG, fresh())).body.code).toBe('CHATHUB_AUTH_FAILED')
  })

  test('an address the account logged in from is not slowed', async () => {
    await start({ auth: { loginAttemptsPerAccount: 2, loginBackoffMaxSeconds: 60 } })
    expect((await login(PASSWORD, '127.0.0.2')).status).toBe(200)
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      expect((await login(WRONG, from)).body.code).toBe('CHATHUB_AUTH_FAILED')
    }
    expect((await login(PASSWORD, '127.0.0.6')).body.code).toBe('CHATHUB_RATE_LIMITED')
    expect((await login(PASSWORD, '127.0.0.2')).status).toBe(200)
  })

  test('a quiet window forgets the failures', async () => {
    await start({ auth: { loginAttemptsPerAccount: 2, loginWindowSeconds: 60 } })
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) await login(WRONG, from)
    expect((await login(WRONG, '127.0.0.5')).body.code).toBe('CHATHUB_RATE_LIMITED')
    clock += 60_000
    expect((await login(WRONG, '127.0.0.2')).body.code).toBe('CHATHUB_AUTH_FAILED')
    expect((await login(WRONG, '127.0.0.5')).body.code).toBe('CHATHUB_AUTH_FAILED')
  })
})
