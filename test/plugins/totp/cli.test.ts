// The totp and audit commands, spawned as a user would run them (`node cli/bin/run.js ...`), against a
// real hub (client commands) and its data directory (admin commands, also while the hub runs).
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { CloseCodes } from '#core/protocol/messages'
import { codeFor, enrol, login, PASSWORD, startTotpHub, type TotpHub } from './helpers.ts'

type JsQr = typeof jsQRModule.default
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr)

const RUN = join(process.cwd(), 'cli/bin/run.js')
let hub: TotpHub
let home: string
let configFile: string

interface Result {
  code: number
  stdout: string
  stderr: string
  json: () => Record<string, unknown>
}

const cli = (...args: string[]): Promise<Result> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [RUN, ...args],
      { env: { ...process.env, CHATHUB_HOME: home, CHATHUB_CONFIG: configFile, NO_COLOR: '1' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> })
      },
    )
  })

const useSession = (user: string, token: string) =>
  writeFileSync(join(home, 'credentials.json'), JSON.stringify({ server: hub.url, user, token, expiresAt: null }), {
    mode: 0o600,
  })

beforeAll(async () => {
  hub = await startTotpHub({ stepUpMinutes: 5 })
  home = mkdtempSync(join(tmpdir(), 'chathub-cli-home-'))
  configFile = join(home, 'chathub.yaml')
  // The admin commands read the same config (plugins.totp) and data directory as the hub.
  writeFileSync(configFile, `dataDir: ${hub.dataDir}\nplugins:\n  totp:\n    issuer: Test Hub\n    stepUpMinutes: 5\n`)
  await hub.addUser('alice', PASSWORD)
  await hub.addUser('root', PASSWORD, { admin: true })
  return undefined
})
afterAll(async () => {
  await hub.close()
  rmSync(home, { recursive: true, force: true })
})

test('setup --json --png, confirm --code, status, recovery-codes, disable', async () => {
  const { token } = await login(hub, 'alice')
  useSession('alice', token)
  const png = join(home, 'qr.png')
  const setup = await cli('totp', 'setup', '--json', '--png', png)
  expect(setup.code).toBe(0)
  const uri = String(setup.json().uri)
  expect(uri).toMatch(/^otpauth:\/\/totp\/Test%20Hub:alice\?/)
  const image = PNG.sync.read(readFileSync(png))
  expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(uri)

  const confirm = await cli('totp', 'confirm', '--code', codeFor(uri, hub.clock.now), '--json')
  expect(confirm.code).toBe(0)
  expect(confirm.json().recoveryCodes).toHaveLength(10)
  hub.clock.advance(30)

  const [status, regen] = await Promise.all([
    cli('totp', 'status'),
    cli('totp', 'recovery-codes', '--code', codeFor(uri, hub.clock.now), '--json'),
  ])
  expect(status.stdout).toContain('two-factor login for alice: on')
  expect(regen.json().recoveryCodes).toHaveLength(10)
  hub.clock.advance(30)
  const codes = regen.json().recoveryCodes as string[]

  const off = await cli('totp', 'disable', '--recovery-code', codes[0] ?? '', '--json')
  expect(off.code).toBe(0)
  expect(off.json()).toEqual({ enabled: false })
}, 90_000)

test('setup without a terminal prints the URI and a terminal QR code, then how to confirm', async () => {
  useSession('root', (await login(hub, 'root')).token)
  const res = await cli('totp', 'setup')
  expect(res.code).toBe(0)
  expect(res.stdout).toMatch(/otpauth:\/\/totp\/Test%20Hub:root\?secret=[A-Z2-7]+/)
  expect(res.stdout).toMatch(/[▀▄█]/)
  expect(res.stdout).toContain('chathub totp confirm --code')
}, 60_000)

test('admin on the data directory: status USER, reset USER with step-up, audit and audit verify', async () => {
  // The CLI process runs on the real clock: put the hub's 10 minutes behind it, so that root's
  // enrolment code is stale for the CLI's step-up and a code for "now" is a later step.
  hub.clock.now = Date.now() - 10 * 60_000
  const rootEnrol = await enrol(hub, (await login(hub, 'root')).token)
  const aliceToken = (await login(hub, 'alice')).token
  await enrol(hub, aliceToken)
  const aliceWs = await ChatClient.connect(hub.url, aliceToken)

  const [st, refused, notAdmin] = await Promise.all([
    cli('totp', 'status', 'alice', '--json', '--data-dir', hub.dataDir),
    cli('totp', 'reset', 'alice', '--as', 'root', '--json', '--data-dir', hub.dataDir),
    cli('totp', 'reset', 'root', '--as', 'alice', '--json', '--data-dir', hub.dataDir),
  ])
  expect(st.json()).toMatchObject({ user: 'alice', enabled: true, policy: 'optional' })
  expect(refused.json()).toMatchObject({ error: { code: 'TOTP_STEP_UP_REQUIRED' } })
  expect(notAdmin.json()).toMatchObject({ error: { code: 'CHATHUB_ADMIN_REQUIRED' } })
  const { generateSync } = await import('otplib')
  const u = new URL(rootEnrol.uri)
  const realCode = generateSync({ secret: u.searchParams.get('secret') ?? '', epoch: Math.floor(Date.now() / 1000) })
  const reset = await cli('totp', 'reset', 'alice', '--as', 'root', '--code', realCode, '--json', '--data-dir', hub.dataDir)
  expect(reset.json()).toEqual({ user: 'alice', reset: true })
  // The running hub follows the change feed: alice's open socket ends.
  expect(await aliceWs.closed(5000)).toBe(CloseCodes.sessionRevoked)
  await login(hub, 'alice') // password alone again

  const [audit, ok] = await Promise.all([
    cli('audit', '--user', 'alice', '--json', '--data-dir', hub.dataDir),
    cli('audit', 'verify', '--json', '--data-dir', hub.dataDir),
  ])
  const actions = (audit.json() as unknown as { action: string; actor: string }[]).map((r) => r.action)
  expect(actions).toEqual(expect.arrayContaining(['totp.enabled', 'totp.reset', 'totp.disabled']))
  expect(ok.code).toBe(0)
  expect(ok.json()).toMatchObject({ ok: true })

  // Edit a row in the database: verify fails and names it.
  hub.hub.db.$client.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2").run()
  const [broken, human] = await Promise.all([
    cli('audit', 'verify', '--json', '--data-dir', hub.dataDir),
    cli('audit', 'verify', '--data-dir', hub.dataDir),
  ])
  expect(broken.code).toBe(1)
  expect(broken.json()).toMatchObject({ error: { code: 'CHATHUB_AUDIT_BROKEN' } })
  expect(human.code).toBe(1)
  expect(human.stderr).toContain('row 2')
}, 90_000)
