// `chathub user remove` with totp enabled: the acting admin (--as) proves a fresh code (step-up), spawned
// as a user would run it against a running hub's data directory; refusals keep the user, the audit log
// records the step-up.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSync } from 'otplib'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { listAudit, verifyAudit } from '#core/audit/audit-log'
import { findUser } from '#core/users/queries'
import { json, runCli, tempDir } from '#test/helpers/run-cli'
import { enrol, login, PASSWORD, parseUri, startTotpHub, type TotpHub } from './helpers.ts'

let hub: TotpHub
let configFile: string
let rootUri: string

beforeAll(async () => {
  hub = await startTotpHub({ stepUpMinutes: 5 })
  configFile = join(tempDir(), 'chathub.yaml')
  writeFileSync(
    configFile,
    `dataDir: ${hub.dataDir}\nplugins:\n  totp:\n    issuer: Test Hub\n    stepUpMinutes: 5\n`,
  )
  await Promise.all([
    hub.addUser('root', PASSWORD, { admin: true }),
    hub.addUser('ops', PASSWORD, { admin: true }),
    hub.addUser('alice', PASSWORD),
  ])
  for (const name of ['bob', 'carol', 'dave']) hub.token(name)
  // The CLI runs on the real clock: root enrols 10 minutes "ago", so that enrolment is not a fresh code.
  hub.clock.now = Date.now() - 10 * 60_000
  rootUri = (await enrol(hub, (await login(hub, 'root')).token)).uri
})
afterAll(() => hub.close())

const remove = (...args: string[]) =>
  runCli(['user', 'remove', ...args, '--config', configFile, '--json'])
const errorCode = (res: Awaited<ReturnType<typeof remove>>) =>
  json<{ error?: { code: string } }>(res).error?.code

/** root's code for the CLI's clock (real time). */
const rootCodeNow = () => {
  const u = parseUri(rootUri)
  return generateSync({ secret: u.secret, epoch: Math.floor(Date.now() / 1000) })
}

test(
  'an admin with TOTP must give a current code: none and wrong are refused, a valid one removes',
  { timeout: 20_000 },
  async () => {
    const good = rootCodeNow()
    const wrong = good.replace(/^./, (d) => String((Number(d) + 1) % 10))
    const [noAs, noCode, wrongCode, notAdmin] = await Promise.all([
      remove('bob'),
      remove('bob', '--as', 'root'),
      remove('bob', '--as', 'root', '--code', wrong),
      remove('bob', '--as', 'alice', '--code', good),
    ])
    expect([noAs.code, errorCode(noAs)]).toEqual([1, 'TOTP_STEP_UP_REQUIRED'])
    expect([noCode.code, errorCode(noCode)]).toEqual([1, 'TOTP_STEP_UP_REQUIRED'])
    expect([wrongCode.code, errorCode(wrongCode)]).toEqual([1, 'TOTP_CODE_INVALID'])
    expect([notAdmin.code, errorCode(notAdmin)]).toEqual([1, 'CHATHUB_ADMIN_REQUIRED'])
    expect(findUser(hub.hub.db, 'bob')).toBeDefined()

    const ok = await remove('bob', '--as', 'root', '--code', good)
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok)).toMatchObject({ name: 'bob', removed: true, erased: false })
    expect(findUser(hub.hub.db, 'bob')).toBeUndefined()

    const rows = listAudit(hub.hub.db, { user: 'root' })
    expect(rows).toContainEqual(
      expect.objectContaining({
        actor: 'root',
        action: 'totp.step_up',
        detail: { for: 'user.remove', method: 'code' },
      }),
    )
    expect(rows).toContainEqual(
      expect.objectContaining({
        action: 'totp.failure',
        detail: expect.objectContaining({ kind: 'code' }),
      }),
    )
    expect(verifyAudit(hub.hub.db)).toMatchObject({ ok: true })

    // The same code again is a replay: refused, carol stays.
    const replay = await remove('carol', '--as', 'root', '--code', good)
    expect(errorCode(replay)).toBe('TOTP_CODE_REUSED')
    expect(findUser(hub.hub.db, 'carol')).toBeDefined()
  },
)

test(
  'an admin without TOTP (policy optional) passes step-up with --as alone; it is audited',
  { timeout: 20_000 },
  async () => {
    const res = await remove('dave', '--as', 'ops')
    expect(res.code, res.stderr).toBe(0)
    expect(findUser(hub.hub.db, 'dave')).toBeUndefined()
    expect(listAudit(hub.hub.db, { user: 'ops' })).toContainEqual(
      expect.objectContaining({
        action: 'totp.step_up',
        detail: { for: 'user.remove', method: 'none' },
      }),
    )
  },
)
