// Step-up (a fresh code for sensitive actions): the admin reset route, the service dependants get via
// `provides`, and the audit rows the flows leave behind.
import { beforeEach, expect, test } from 'vitest'
import { listAudit, verifyAudit } from '#core/audit/audit-log'
import { ChatClient } from '#core/client/sdk'
import { CloseCodes } from '#core/protocol/messages'
import type { TotpServices } from '#plugins/totp/index'
import { codeFor, enrol, get, login, PASSWORD, post, startTotpHub, type TotpHub } from './helpers.ts'

let hub: TotpHub
beforeEach(async () => {
  hub = await startTotpHub({ stepUpMinutes: 5 })
  await hub.addUser('root', PASSWORD, { admin: true })
  await hub.addUser('bob', PASSWORD)
  return () => hub.close()
})

test('admin reset needs a fresh code: recent login code, or one given now', async () => {
  const rootEnrol = await enrol(hub, (await login(hub, 'root')).token)
  const bobToken = (await login(hub, 'bob')).token
  const bob = await enrol(hub, bobToken)
  const bobWs = await ChatClient.connect(hub.url, bobToken)
  // Log in with a code: fresh for 5 minutes.
  const root = await login(hub, 'root', { code: codeFor(rootEnrol.uri, hub.clock.now) })
  hub.clock.advance(6 * 60)
  await expect(post(hub, '/plugins/totp/reset', root.token, { user: 'bob' })).rejects.toMatchObject({
    code: 'TOTP_STEP_UP_REQUIRED',
  })
  await expect(post(hub, '/plugins/totp/reset', bobToken, { user: 'root' })).rejects.toMatchObject({
    code: 'CHATHUB_ADMIN_REQUIRED',
  })
  await post(hub, '/plugins/totp/verify', root.token, { code: codeFor(rootEnrol.uri, hub.clock.now) })
  hub.clock.advance(60)
  expect(await post(hub, '/plugins/totp/reset', root.token, { user: 'bob' })).toEqual({ user: 'bob', reset: true })
  // Bob's sessions and sockets end; he logs in with the password alone and can enrol again.
  expect(await bobWs.closed(3000)).toBe(CloseCodes.sessionRevoked)
  await expect(get(hub, '/api/v1/me', bobToken)).rejects.toMatchObject({ code: 'CHATHUB_TOKEN_INVALID' })
  await login(hub, 'bob')
  expect(bob.recoveryCodes).toHaveLength(10)
  // With a code in the request itself, after freshness ran out.
  hub.clock.advance(10 * 60)
  await post(hub, '/plugins/totp/reset', root.token, { user: 'bob', code: codeFor(rootEnrol.uri, hub.clock.now) })

  const actions = listAudit(hub.hub.db, { user: 'bob' }).map((r) => r.action)
  expect(actions).toEqual(
    expect.arrayContaining(['totp.enrolment.started', 'totp.enabled', 'totp.reset']),
  )
  const rootRows = listAudit(hub.hub.db, { user: 'root' })
  expect(rootRows.filter((r) => r.action === 'totp.step_up').map((r) => r.detail?.method)).toEqual(
    expect.arrayContaining(['code', 'fresh']),
  )
  expect(verifyAudit(hub.hub.db)).toMatchObject({ ok: true })
})

test('dependants get requireFreshCode through provides', async () => {
  const loaded = hub.hub.plugins.runtimes().find((l) => l.plugin.name === 'totp')
  const totp = loaded?.runtime.provides as TotpServices | undefined
  expect(totp).toBeDefined()
  const { token } = await login(hub, 'bob')
  const { uri } = await enrol(hub, token)
  const bobId = hub.hub.db.$client.prepare<[], { id: number }>("SELECT id FROM users WHERE name = 'bob'").get()?.id ?? 0
  hub.clock.advance(10 * 60)
  expect(() => totp?.requireFreshCode(bobId, { action: 'bots.deploy' })).toThrow(
    expect.objectContaining({ code: 'TOTP_STEP_UP_REQUIRED' }),
  )
  totp?.requireFreshCode(bobId, { action: 'bots.deploy', code: codeFor(uri, hub.clock.now) })
  totp?.requireFreshCode(bobId, { action: 'bots.deploy' }) // fresh now
  const steps = listAudit(hub.hub.db, { user: 'bob' }).filter((r) => r.action === 'totp.step_up')
  expect(steps.map((r) => r.detail)).toEqual(
    expect.arrayContaining([{ for: 'bots.deploy', method: 'code' }, { for: 'bots.deploy', method: 'fresh' }]),
  )
})

test('failures, lock-outs and recovery-code use are audited', async () => {
  const hub2 = await startTotpHub({ maxAttempts: 2 })
  try {
    await hub2.addUser('eve', PASSWORD)
    const { recoveryCodes } = await enrol(hub2, (await login(hub2, 'eve')).token)
    await login(hub2, 'eve', { recoveryCode: recoveryCodes[0] })
    await login(hub2, 'eve', { code: '000001' }).catch(() => undefined)
    await login(hub2, 'eve', { code: '000002' }).catch(() => undefined)
    const rows = listAudit(hub2.hub.db, { user: 'eve' })
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['totp.recovery_code.used', 'totp.failure', 'totp.locked']),
    )
    expect(JSON.stringify(rows)).not.toContain(recoveryCodes[0])
  } finally {
    await hub2.close()
  }
})
