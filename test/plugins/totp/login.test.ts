// Login with TOTP: code in the same request, the second step with a ticket, replay, lock-out, recovery codes.
import { beforeEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { codeFor, enrol, login, PASSWORD, post, raw, startTotpHub, type TotpHub } from './helpers.ts'

let hub: TotpHub
beforeEach(async () => {
  hub = await startTotpHub({ maxAttempts: 3, lockoutSeconds: 30 })
  await hub.addUser('alice', PASSWORD)
  return () => hub.close()
})

const enrolAlice = async () => enrol(hub, (await login(hub, 'alice')).token)

test('a user without TOTP logs in with the password alone (policy optional)', async () => {
  const res = await login(hub, 'alice')
  expect(res.token).toMatch(/^chs/)
})

test('an enrolled user must give a code; a right code in the same request logs in', async () => {
  const { uri } = await enrolAlice()
  await expect(login(hub, 'alice')).rejects.toMatchObject({ code: 'TOTP_CODE_REQUIRED' })
  const res = await login(hub, 'alice', { code: codeFor(uri, hub.clock.now) })
  const client = await ChatClient.connect(hub.url, res.token)
  await client.close()
})

test('second step: the ticket from TOTP_CODE_REQUIRED plus a code gives a session', async () => {
  const { uri } = await enrolAlice()
  const first = await raw(hub, '/api/v1/login', { user: 'alice', password: PASSWORD })
  expect(first.status).toBe(401)
  expect(first.body).toMatchObject({ code: 'TOTP_CODE_REQUIRED' })
  const ticket = first.body.ticket as string
  expect(ticket).toMatch(/^tkt_/)
  const bad = await raw(hub, '/plugins/totp/login', { ticket: 'tkt_nope', code: codeFor(uri, hub.clock.now) })
  expect(bad.body.code).toBe('TOTP_TICKET_INVALID')
  const ok = await post<{ token: string; user: string }>(hub, '/plugins/totp/login', undefined, {
    ticket,
    code: codeFor(uri, hub.clock.now),
  })
  expect(ok.user).toBe('alice')
  const client = await ChatClient.connect(hub.url, ok.token)
  await client.close()
  // The ticket is single use.
  hub.clock.advance(30)
  const again = await raw(hub, '/plugins/totp/login', { ticket, code: codeFor(uri, hub.clock.now) })
  expect(again.body.code).toBe('TOTP_TICKET_INVALID')
})

test('a wrong code is refused; ±1 step of drift is accepted, 2 steps is not', async () => {
  const { uri } = await enrolAlice()
  await expect(login(hub, 'alice', { code: '000000' === codeFor(uri, hub.clock.now) ? '111111' : '000000' })).rejects.toMatchObject({
    code: 'TOTP_CODE_INVALID',
  })
  await expect(login(hub, 'alice', { code: codeFor(uri, hub.clock.now, 2) })).rejects.toMatchObject({
    code: 'TOTP_CODE_INVALID',
  })
  await login(hub, 'alice', { code: codeFor(uri, hub.clock.now, 1) })
})

test('a code at or before the last accepted step is refused, even from another session, and logged', async () => {
  const { uri } = await enrolAlice()
  const code = codeFor(uri, hub.clock.now)
  await login(hub, 'alice', { code })
  await expect(login(hub, 'alice', { code })).rejects.toMatchObject({ code: 'TOTP_CODE_REUSED' })
  // An older step inside the window is a replay too.
  await expect(login(hub, 'alice', { code: codeFor(uri, hub.clock.now, -1) })).rejects.toMatchObject({
    code: 'TOTP_CODE_REUSED',
  })
  expect(hub.logs.some((l) => l.msg === 'totp code replayed' && l.user === 'alice')).toBe(true)
})

test('failed codes lock the account with back-off and say when to retry', async () => {
  const { uri } = await enrolAlice()
  const wrong = codeFor(uri, hub.clock.now) === '123456' ? '654321' : '123456'
  await expect(login(hub, 'alice', { code: wrong })).rejects.toMatchObject({ code: 'TOTP_CODE_INVALID' })
  await expect(login(hub, 'alice', { code: wrong })).rejects.toMatchObject({ code: 'TOTP_CODE_INVALID' })
  await expect(login(hub, 'alice', { code: wrong })).rejects.toMatchObject({ code: 'TOTP_LOCKED', retryAfter: 30 })
  // Locked: even the right code is refused until the lock ends.
  await expect(login(hub, 'alice', { code: codeFor(uri, hub.clock.now) })).rejects.toMatchObject({
    code: 'TOTP_LOCKED',
  })
  hub.clock.advance(31)
  for (let i = 0; i < 3; i++) await login(hub, 'alice', { code: wrong }).catch((e: unknown) => e)
  // Second lock-out doubles.
  await expect(login(hub, 'alice', { code: codeFor(uri, hub.clock.now) })).rejects.toMatchObject({
    code: 'TOTP_LOCKED',
    retryAfter: 60,
  })
  hub.clock.advance(61)
  await login(hub, 'alice', { code: codeFor(uri, hub.clock.now) })
})

test('recovery codes: 10, each works once, wrong ones count as failures', async () => {
  const { recoveryCodes } = await enrolAlice()
  expect(recoveryCodes).toHaveLength(10)
  expect(new Set(recoveryCodes).size).toBe(10)
  const [first = ''] = recoveryCodes
  await login(hub, 'alice', { recoveryCode: first })
  await expect(login(hub, 'alice', { recoveryCode: first })).rejects.toMatchObject({
    code: 'TOTP_RECOVERY_CODE_INVALID',
  })
  // Also accepted in the `code` field (the CLI's single prompt).
  await login(hub, 'alice', { code: recoveryCodes[1] })
  // maxAttempts is 3 here: the third wrong recovery code locks the account.
  for (const expected of ['TOTP_RECOVERY_CODE_INVALID', 'TOTP_RECOVERY_CODE_INVALID', 'TOTP_LOCKED']) {
    await expect(login(hub, 'alice', { code: 'aaaa-bbbb-cccc-dddd' })).rejects.toMatchObject({ code: expected })
  }
})
