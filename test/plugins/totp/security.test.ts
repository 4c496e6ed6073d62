// Secrets at rest and in logs: AEAD with the user id as associated data, no secret in the database
// file (plain or base32), and no secret, code, recovery code or ticket in the logs during the flows.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { beforeEach, expect, test } from 'vitest'
import { deriveKeys, fromBase32, openSecret, sealSecret } from '#plugins/totp/crypto'
import { totpAccounts } from '#plugins/totp/schema'
import { codeFor, enrol, login, parseUri, PASSWORD, post, raw, startTotpHub, type TotpHub } from './helpers.ts'

let hub: TotpHub
beforeEach(async () => {
  hub = await startTotpHub()
  await hub.addUser('alice', PASSWORD)
  await hub.addUser('bob', PASSWORD)
  return () => hub.close()
})

const userId = (name: string) =>
  hub.hub.db.$client.prepare<[string], { id: number }>('SELECT id FROM users WHERE name = ?').get(name)?.id ?? 0

test('a sealed row copied to another user does not decrypt (user id is the associated data)', async () => {
  const a = await enrol(hub, (await login(hub, 'alice')).token)
  const b = await enrol(hub, (await login(hub, 'bob')).token)
  const { db } = hub.hub
  const aliceRow = db.select().from(totpAccounts).where(eq(totpAccounts.userId, userId('alice'))).get()
  expect(aliceRow).toBeDefined()
  const keys = deriveKeys(hub.hub.serverKey)
  const secret = Buffer.from(fromBase32(parseUri(a.uri).secret))
  expect(openSecret(keys, userId('alice'), aliceRow?.secret ?? Buffer.alloc(0))).toEqual(secret)
  expect(openSecret(keys, userId('bob'), aliceRow?.secret ?? Buffer.alloc(0))).toBeUndefined()
  expect(openSecret(deriveKeys(Buffer.alloc(32, 1)), userId('alice'), aliceRow?.secret ?? Buffer.alloc(0))).toBeUndefined()
  // Copy alice's sealed secret into bob's row: bob's login with alice's code fails closed.
  db.update(totpAccounts).set({ secret: aliceRow?.secret }).where(eq(totpAccounts.userId, userId('bob'))).run()
  const res = await raw(hub, '/api/v1/login', { user: 'bob', password: PASSWORD, code: codeFor(a.uri, hub.clock.now) })
  expect(res.body.code).toBe('TOTP_SECRET_UNREADABLE')
  expect(b.uri).not.toBe(a.uri)
  // Seal/open round trip with a tampered byte fails.
  const sealed = sealSecret(keys, 7, secret)
  sealed[sealed.length - 1] = (sealed.at(-1) ?? 0) ^ 1
  expect(openSecret(keys, 7, sealed)).toBeUndefined()
})

test('the database file never holds a secret, plain or base32', async () => {
  const { uri, recoveryCodes } = await enrol(hub, (await login(hub, 'alice')).token)
  const b32 = parseUri(uri).secret
  const rawSecret = Buffer.from(fromBase32(b32))
  hub.hub.db.$client.pragma('wal_checkpoint(FULL)')
  const files = ['chathub.db', 'chathub.db-wal'].map((f) => join(hub.dataDir, f)).filter((f) => existsSync(f))
  expect(files.length).toBeGreaterThan(0)
  for (const file of files) {
    const bytes = readFileSync(file)
    expect(bytes.includes(rawSecret)).toBe(false)
    expect(bytes.includes(Buffer.from(b32))).toBe(false)
    expect(bytes.includes(Buffer.from(b32.toLowerCase()))).toBe(false)
    for (const code of recoveryCodes) expect(bytes.includes(Buffer.from(code))).toBe(false)
  }
})

test('no secret, code, recovery code, ticket or password in the logs during the flows', async () => {
  const secrets: string[] = [PASSWORD]
  const { token } = await login(hub, 'alice')
  const { uri } = await post<{ uri: string }>(hub, '/plugins/totp/setup', token)
  secrets.push(parseUri(uri).secret, uri)
  const wrong = codeFor(uri, hub.clock.now) === '000000' ? '111111' : '000000'
  await post(hub, '/plugins/totp/confirm', token, { code: wrong }).catch(() => undefined)
  const confirmCode = codeFor(uri, hub.clock.now)
  const { recoveryCodes } = await post<{ recoveryCodes: string[] }>(hub, '/plugins/totp/confirm', token, { code: confirmCode })
  secrets.push(confirmCode, ...recoveryCodes)
  // Replay, second step with ticket, recovery code, wrong code, disable.
  await login(hub, 'alice', { code: confirmCode }).catch(() => undefined)
  hub.clock.advance(30)
  const ticketRes = await raw(hub, '/api/v1/login', { user: 'alice', password: PASSWORD })
  const ticket = String(ticketRes.body.ticket)
  const loginCode = codeFor(uri, hub.clock.now)
  await post(hub, '/plugins/totp/login', undefined, { ticket, code: loginCode })
  secrets.push(ticket, loginCode)
  await login(hub, 'alice', { recoveryCode: recoveryCodes[0] })
  await login(hub, 'alice', { code: wrong }).catch(() => undefined)
  hub.clock.advance(30)
  const disableCode = codeFor(uri, hub.clock.now)
  secrets.push(disableCode)
  await post(hub, '/plugins/totp/disable', token, { code: disableCode })

  expect(hub.logs.length).toBeGreaterThan(5)
  const text = JSON.stringify(hub.logs)
  for (const s of secrets) {
    const pattern = /^\d+$/.test(s) ? new RegExp(`(?<!\\d)${s}(?!\\d)`) : undefined
    if (pattern) expect(text).not.toMatch(pattern)
    else expect(text).not.toContain(s)
  }
  expect(text).not.toContain(wrong === '000000' ? '"000000"' : '"111111"')
  // The interesting events are logged (without their secrets).
  expect(hub.logs.some((l) => l.msg === 'totp enabled')).toBe(true)
  expect(hub.logs.some((l) => l.msg === 'totp code replayed')).toBe(true)
})
