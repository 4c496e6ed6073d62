// `chathub totp setup`: start two-factor enrolment for the logged-in user: otpauth:// URI, QR code
// (terminal, or --png FILE), then the first code turns it on and the recovery codes are shown once.
import { writeFileSync } from 'node:fs'
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class TotpSetup extends ChathubCommand {
  static override summary = 'turn on two-factor login for your account'
  static override description =
    'Shows an otpauth:// URI and its QR code for your authenticator app, asks for the first code and only ' +
    'then turns two-factor login on, printing 10 single-use recovery codes (shown once: keep them safe). ' +
    'For scripts: --json prints {"uri": ...} without asking; finish with `chathub totp confirm --code N`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --png ./totp.png',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    png: Flags.string({ summary: 'also write the QR code to this PNG file' }),
  }

  async run(): Promise<{ uri: string; recoveryCodes?: string[] }> {
    const { flags } = await this.parse(TotpSetup)
    const { apiCall } = await import('#cli/hub-client')
    const { qrPng, qrTerminal } = await import('#plugins/totp/qr')
    const { uri } = await apiCall<{ uri: string }>('/plugins/totp/setup', { method: 'POST', body: {} })
    if (flags.png) writeFileSync(flags.png, await qrPng(uri), { mode: 0o600 })
    if (this.jsonEnabled()) return { uri }
    this.log('Scan this QR code with your authenticator app, or enter the URI by hand:')
    this.log(await qrTerminal(uri))
    this.log(uri)
    if (flags.png) this.log(`QR code written to ${flags.png} (delete it once scanned)`)
    const { ask, canPrompt } = await import('#cli/prompt')
    if (!canPrompt()) {
      this.log('Then finish with: chathub totp confirm --code <the code your app shows>')
      return { uri }
    }
    const code = (await ask('Code from the app: ')).trim()
    const { recoveryCodes } = await apiCall<{ recoveryCodes: string[] }>('/plugins/totp/confirm', {
      method: 'POST',
      body: { code },
    })
    printRecoveryCodes(this, recoveryCodes)
    return { uri, recoveryCodes }
  }
}

/** Recovery codes are shown once: say so, and how to use them. */
export const printRecoveryCodes = (cmd: { log(text: string): void }, codes: string[]): void => {
  cmd.log('Two-factor login is on. Recovery codes (each works once; shown only now, store them safely):')
  for (const code of codes) cmd.log(`  ${code}`)
  cmd.log('Use one instead of a code if you lose your device: chathub login ... --code <recovery code>')
}
