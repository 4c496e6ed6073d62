// `chathub passwd`: change your own password on the hub (POST /api/v1/password). Every session of
// yours ends; this one is renewed in the credentials file. With two-factor login, a fresh code.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { ask, canPrompt, existingPassword, newPassword, readStdin } from '#cli/prompt'
import { isChatError } from '#core/errors'

export interface PasswdResult {
  server: string
  user: string
  expiresAt: string | null
}

export default class Passwd extends ChathubCommand {
  static override summary = 'change your password'
  static override description =
    'Asks for the current password and the new one (twice) without echo, or reads both from stdin with ' +
    '--password-stdin (the current one on the first line, the new one on the second). Every session of ' +
    'yours ends (your other devices log in again); the stored session is replaced by a new one. With ' +
    'two-factor login the hub wants a code entered in the last few minutes: pass --code (or ' +
    "--recovery-code), or type it when asked. An admin sets anyone's password with `chathub user passwd`."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | <%= config.bin %> <%= command.id %> --password-stdin',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | <%= config.bin %> <%= command.id %> --password-stdin --code 123456 --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    'password-stdin': Flags.boolean({
      summary: 'read the current password and the new one from the first two lines of stdin',
    }),
    code: Flags.string({ summary: 'a current two-factor code', exclusive: ['recovery-code'] }),
    'recovery-code': Flags.string({ summary: 'one of your two-factor recovery codes' }),
  }

  async run(): Promise<PasswdResult> {
    const { flags } = await this.parse(Passwd)
    const { apiCall } = await import('#cli/hub-client')
    const { requireCredentials, writeCredentials } = await import('#cli/credentials')
    const creds = requireCredentials()
    let current: string
    let password: string
    if (flags['password-stdin']) {
      const [first = '', second = ''] = (await readStdin()).split(/\r?\n/)
      if (first === '' || second === '') throw cliErrors.passwordsRequired()
      current = first
      password = second
    } else {
      current = await existingPassword(
        false,
        `Current password for ${creds.user} at ${creds.server}: `,
      )
      password = await newPassword(false, creds.user)
    }
    const given: Record<string, string> | undefined =
      flags.code !== undefined
        ? { code: flags.code }
        : flags['recovery-code'] !== undefined
          ? { recoveryCode: flags['recovery-code'] }
          : undefined
    const change = (extra: Record<string, string> = {}) =>
      apiCall<{ token: string; expiresAt: string | null }>('/api/v1/password', {
        method: 'POST',
        body: { current, password, ...extra },
      })
    let result
    try {
      result = await change(given)
    } catch (err) {
      // Step-up: ask for the code on a terminal; a script gets the hub's error (pass --code).
      if (!isChatError(err) || err.code !== 'TOTP_STEP_UP_REQUIRED' || given || !canPrompt())
        throw err
      result = await change({ code: (await ask('Two-factor code: ')).trim() })
    }
    writeCredentials({ ...creds, token: result.token, expiresAt: result.expiresAt })
    this.log(
      `password changed for ${creds.user} at ${creds.server}; your other sessions were ended`,
    )
    return { server: creds.server, user: creds.user, expiresAt: result.expiresAt }
  }
}
