// `chathub totp confirm --code N`: finish an enrolment started with `chathub totp setup --json`.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { printRecoveryCodes } from './setup.ts'

export default class TotpConfirm extends ChathubCommand {
  static override summary = 'finish two-factor enrolment with the first code'
  static override examples = ['<%= config.bin %> <%= command.id %> --code 123456', '<%= config.bin %> <%= command.id %> --code 123456 --json']
  static override enableJsonFlag = true
  static override flags = {
    code: Flags.string({ summary: 'the code your authenticator app shows', required: true }),
  }

  async run(): Promise<{ enabled: true; recoveryCodes: string[] }> {
    const { flags } = await this.parse(TotpConfirm)
    const { apiCall } = await import('#cli/hub-client')
    const { recoveryCodes } = await apiCall<{ recoveryCodes: string[] }>('/plugins/totp/confirm', {
      method: 'POST',
      body: { code: flags.code },
    })
    printRecoveryCodes(this, recoveryCodes)
    return { enabled: true, recoveryCodes }
  }
}
