// `chathub login` for an account with two-factor login: TOTP_CODE_REQUIRED without a terminal, --code works.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import {
  codeFor,
  enrol,
  login,
  PASSWORD,
  startTotpHub,
  type TotpHub,
} from '#test/plugins/totp/helpers'
import { json, runCli, tempDir } from '#test/helpers/run-cli'

let hub: TotpHub
beforeEach(async () => {
  hub = await startTotpHub()
  return () => hub.close()
})

test(
  'login asks for the code: fails with TOTP_CODE_REQUIRED in a script, succeeds with --code',
  { timeout: 120_000 },
  async () => {
    await hub.addUser('alice', PASSWORD)
    const { uri } = await enrol(hub, (await login(hub, 'alice')).token)
    const home = tempDir('chathub-home-')
    const args = ['login', '--server', hub.url, '--user', 'alice', '--password-stdin', '--json']
    const [noCode, withCode] = await Promise.all([
      runCli(args, { input: `${PASSWORD}\n`, env: { CHATHUB_HOME: tempDir('chathub-home-') } }),
      runCli([...args, '--code', codeFor(uri, hub.clock.now)], {
        input: `${PASSWORD}\n`,
        env: { CHATHUB_HOME: home },
      }),
    ])
    expect(noCode.code).toBe(1)
    expect(json<{ error: { code: string } }>(noCode).error.code).toBe('TOTP_CODE_REQUIRED')
    expect(withCode.code, withCode.stderr).toBe(0)
    expect(json(withCode)).toMatchObject({ user: 'alice', server: hub.url })
    const { token } = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as {
      token: string
    }
    expect(token.length).toBeGreaterThan(20)
  },
)
