// Enrolment, status, disable, recovery-code regeneration, policy, and sessions ending on changes.
import { beforeEach, describe, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { CloseCodes } from '#core/protocol/messages'
import { codeFor, enrol, get, login, PASSWORD, post, startTotpHub, type TotpHub } from './helpers.ts'

describe('policy optional', () => {
  let hub: TotpHub
  beforeEach(async () => {
    hub = await startTotpHub()
    await hub.addUser('alice', PASSWORD)
    return () => hub.close()
  })

  test('setup gives a URI, nothing changes until a first code confirms it', async () => {
    const { token } = await login(hub, 'alice')
    const { uri } = await post<{ uri: string }>(hub, '/plugins/totp/setup', token)
    expect(uri).toMatch(/^otpauth:\/\/totp\//)
    expect(await get(hub, '/plugins/totp/status', token)).toMatchObject({ enabled: false, pending: true })
    await login(hub, 'alice') // still password only
    await expect(post(hub, '/plugins/totp/confirm', token, { code: '000000' === codeFor(uri, hub.clock.now) ? '111111' : '000000' })).rejects.toMatchObject({
      code: 'TOTP_CODE_INVALID',
    })
    const out = await post<{ recoveryCodes: string[] }>(hub, '/plugins/totp/confirm', token, { code: codeFor(uri, hub.clock.now) })
    expect(out.recoveryCodes).toHaveLength(10)
    expect(await get(hub, '/plugins/totp/status', token)).toMatchObject({
      enabled: true,
      recoveryCodesLeft: 10,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    })
    await expect(post(hub, '/plugins/totp/setup', token)).rejects.toMatchObject({ code: 'TOTP_ALREADY_ENABLED' })
  })

  test('enabling ends the other sessions and their open WebSockets, not the current one', async () => {
    const other = await login(hub, 'alice')
    const otherWs = await ChatClient.connect(hub.url, other.token)
    const current = await login(hub, 'alice')
    const currentWs = await ChatClient.connect(hub.url, current.token)
    await enrol(hub, current.token)
    expect(await otherWs.closed(3000)).toBe(CloseCodes.sessionRevoked)
    await expect(get(hub, '/api/v1/me', other.token)).rejects.toMatchObject({ code: 'CHATHUB_TOKEN_INVALID' })
    expect(currentWs.open).toBe(true)
    await get(hub, '/api/v1/me', current.token)
    await currentWs.close()
  })

  test('disable needs a current code or a recovery code, and ends the other sessions', async () => {
    const { token } = await login(hub, 'alice')
    const { uri, recoveryCodes } = await enrol(hub, token)
    const other = await login(hub, 'alice', { code: codeFor(uri, hub.clock.now) })
    hub.clock.advance(30)
    const otherWs = await ChatClient.connect(hub.url, other.token)
    await expect(post(hub, '/plugins/totp/disable', token, {})).rejects.toMatchObject({ code: 'TOTP_CODE_INVALID' })
    await post(hub, '/plugins/totp/disable', token, { recoveryCode: recoveryCodes[0] })
    expect(await otherWs.closed(3000)).toBe(CloseCodes.sessionRevoked)
    expect(await get(hub, '/plugins/totp/status', token)).toMatchObject({ enabled: false, pending: false })
    await login(hub, 'alice') // password alone again
    // Re-enrol, then disable with a code.
    const again = await enrol(hub, token)
    await post(hub, '/plugins/totp/disable', token, { code: codeFor(again.uri, hub.clock.now) })
  })

  test('recovery-codes regenerates (needs a current code) and the old codes stop working', async () => {
    const { token } = await login(hub, 'alice')
    const { uri, recoveryCodes: old } = await enrol(hub, token)
    await expect(post(hub, '/plugins/totp/recovery-codes', token, { code: old[0] })).rejects.toMatchObject({
      code: 'TOTP_CODE_INVALID',
    })
    const { recoveryCodes } = await post<{ recoveryCodes: string[] }>(hub, '/plugins/totp/recovery-codes', token, {
      code: codeFor(uri, hub.clock.now),
    })
    expect(recoveryCodes).toHaveLength(10)
    await expect(login(hub, 'alice', { recoveryCode: old[1] })).rejects.toMatchObject({ code: 'TOTP_RECOVERY_CODE_INVALID' })
    await login(hub, 'alice', { recoveryCode: recoveryCodes[0] })
    expect(await get(hub, '/plugins/totp/status', token)).toMatchObject({ recoveryCodesLeft: 9 })
  })
})

describe.each([
  { policy: 'admins', admin: true, required: true },
  { policy: 'admins', admin: false, required: false },
  { policy: 'all', admin: false, required: true },
])('policy $policy, admin $admin', ({ policy, admin, required }) => {
  let hub: TotpHub
  beforeEach(async () => {
    hub = await startTotpHub({ policy })
    await hub.addUser('bob', PASSWORD, { admin })
    return () => hub.close()
  })

  test(required ? 'a user without TOTP can log in only to enrol' : 'TOTP is optional', async () => {
    const res = (await login(hub, 'bob')) as Awaited<ReturnType<typeof login>> & { restricted?: string }
    if (!required) {
      expect(res.restricted).toBeUndefined()
      return
    }
    expect(res.restricted).toBe('totp')
    await expect(ChatClient.connect(hub.url, res.token)).rejects.toMatchObject({ code: 'CHATHUB_SESSION_RESTRICTED' })
    await expect(get(hub, '/api/v1/rooms', res.token)).rejects.toMatchObject({ code: 'CHATHUB_SESSION_RESTRICTED' })
    await expect(post(hub, '/plugins/totp/verify', res.token, { code: '123456' })).rejects.toMatchObject({
      code: 'CHATHUB_SESSION_RESTRICTED',
    })
    expect(await get(hub, '/plugins/totp/status', res.token)).toMatchObject({ required: true, enabled: false })
    const { uri } = await enrol(hub, res.token)
    // Enrolled: the same session is a normal one now, and TOTP cannot be turned off.
    const ws = await ChatClient.connect(hub.url, res.token)
    await ws.close()
    await expect(post(hub, '/plugins/totp/disable', res.token, { code: codeFor(uri, hub.clock.now) })).rejects.toMatchObject({
      code: 'TOTP_REQUIRED_BY_POLICY',
    })
    await expect(login(hub, 'bob')).rejects.toMatchObject({ code: 'TOTP_CODE_REQUIRED' })
  })
})

test('policy off: login ignores TOTP and setup is refused', async () => {
  const hub = await startTotpHub({ policy: 'off' })
  try {
    await hub.addUser('carol', PASSWORD, { admin: true })
    const { token } = await login(hub, 'carol', { code: '123456' })
    await expect(post(hub, '/plugins/totp/setup', token)).rejects.toMatchObject({ code: 'TOTP_OFF' })
  } finally {
    await hub.close()
  }
})

test('config: digits 8, period 60, SHA512 are used for new enrolments; bad values stop boot', async () => {
  const hub = await startTotpHub({ digits: 8, period: 60, algorithm: 'SHA512', window: 0 })
  try {
    await hub.addUser('dave', PASSWORD)
    const { token } = await login(hub, 'dave')
    const { uri } = await enrol(hub, token)
    expect(uri).toContain('digits=8')
    expect(uri).toContain('period=60')
    expect(uri).toContain('algorithm=SHA512')
    // window 0: the previous step is not accepted.
    await expect(login(hub, 'dave', { code: codeFor(uri, hub.clock.now, -1) })).rejects.toMatchObject({
      code: 'TOTP_CODE_INVALID',
    })
    const ok = codeFor(uri, hub.clock.now)
    expect(ok).toMatch(/^\d{8}$/)
    await login(hub, 'dave', { code: ok })
  } finally {
    await hub.close()
  }
  await expect(startTotpHub({ digits: 7 })).rejects.toMatchObject({ code: 'CHATHUB_PLUGIN_FAILED' })
  await expect(startTotpHub({ policy: 'sometimes' })).rejects.toMatchObject({ code: 'CHATHUB_PLUGIN_FAILED' })
})
