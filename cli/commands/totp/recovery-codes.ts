// `chathub totp recovery-codes --code N`: new recovery codes (the old ones stop working).
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { printRecoveryCodes } from './setup.ts'

export default class TotpRecoveryCodes extends ChathubCommand {
  static override summary = 'make new recovery codes (the old ones stop working)'
  static override examples = ['<%= config.bin %> <%= command.id %> --code 123456']
  static override enableJsonFlag = true
  static override flags = {
    code: Flags.string({ summary: 'a current code from your authenticator app', required: true }),
  }

  async run(): Promise<{ recoveryCodes: string[] }> {
    const { flags } = await this.parse(TotpRecoveryCodes)
    const { apiCall } = await import('#cli/hub-client')
    const { recoveryCodes } = await apiCall<{ recoveryCodes: string[] }>('/plugins/totp/recovery-codes', {
      method: 'POST',
      body: { code: flags.code },
    })
    printRecoveryCodes(this, recoveryCodes)
    return { recoveryCodes }
  }
}
