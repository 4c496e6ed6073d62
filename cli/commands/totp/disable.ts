// `chathub totp disable`: turn two-factor login off (needs a current code or a recovery code).
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class TotpDisable extends ChathubCommand {
  static override summary = 'turn off two-factor login for your account'
  static override description = 'Needs a current code (--code) or a recovery code (--recovery-code). Your other sessions end.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --code 123456',
    '<%= config.bin %> <%= command.id %> --recovery-code abcd-efgh-ijkl-mnop',
  ]
  static override enableJsonFlag = true
  static override flags = {
    code: Flags.string({ summary: 'a current code from your authenticator app', exclusive: ['recovery-code'] }),
    'recovery-code': Flags.string({ summary: 'one of your recovery codes' }),
  }

  async run(): Promise<{ enabled: false }> {
    const { flags } = await this.parse(TotpDisable)
    const { apiCall } = await import('#cli/hub-client')
    let body: Record<string, string> = {}
    if (flags.code !== undefined) body = { code: flags.code }
    else if (flags['recovery-code'] !== undefined) body = { recoveryCode: flags['recovery-code'] }
    else {
      const { ask, canPrompt } = await import('#cli/prompt')
      if (!canPrompt()) this.error('pass --code or --recovery-code', { code: 'TOTP_CODE_REQUIRED', exit: 2 })
      body = { code: (await ask('Code (or recovery code): ')).trim() }
    }
    await apiCall('/plugins/totp/disable', { method: 'POST', body })
    this.log('two-factor login is off; your other sessions were ended')
    return { enabled: false }
  }
}
