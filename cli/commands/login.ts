// `chathub login`: log in to a hub over HTTP and keep the session token in the credentials file (0600).
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { ask, canPrompt, existingPassword } from '#cli/prompt'
import { isChatError } from '#core/errors'

export interface LoginView {
  server: string
  user: string
  admin: boolean
  expiresAt: string | null
}

export default class Login extends ChathubCommand {
  static override summary = 'log in to a hub and store the session'
  static override description =
    'Asks for the password without echo, or reads it from stdin with --password-stdin. The session token ' +
    'is kept in ~/.chathub/credentials.json (mode 0600; CHATHUB_HOME moves it). Accounts with two-factor ' +
    'login are asked for their code, or take it from --code.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --server http://127.0.0.1:8080 --user alice',
    'printf \'%s\\n\' "$PASSWORD" | <%= config.bin %> <%= command.id %> --server https://chat.example.org --user bot --password-stdin',
    '<%= config.bin %> <%= command.id %> --server https://chat.example.org --user alice --code 123456',
  ]
  static override enableJsonFlag = true
  static override flags = {
    server: Flags.string({ summary: 'hub URL', required: true, env: 'CHATHUB_SERVER' }),
    user: Flags.string({ summary: 'user name', required: true }),
    'password-stdin': Flags.boolean({ summary: 'read the password from the first line of stdin' }),
    code: Flags.string({ summary: 'two-factor code (TOTP or recovery code)' }),
  }

  async run(): Promise<LoginView> {
    const { flags } = await this.parse(Login)
    const { normalizeServer } = await import('#cli/hub-client')
    const { ChatClient } = await import('#core/client/sdk')
    const { readCredentials, writeCredentials, credentialsFile } = await import('#cli/credentials')
    const server = normalizeServer(flags.server)
    const password = await existingPassword(
      flags['password-stdin'],
      `Password for ${flags.user} at ${server}: `,
    )
    const attempt = (code?: string) =>
      ChatClient.login(server, flags.user, password, code === undefined ? {} : { code })
    let result
    try {
      result = await attempt(flags.code)
    } catch (err) {
      if (!isChatError(err) || err.code !== 'TOTP_CODE_REQUIRED' || flags.code !== undefined)
        throw err
      if (!canPrompt()) throw cliErrors.codeRequired()
      result = await attempt((await ask('Two-factor code: ')).trim())
    }
    const previous = readCredentials()
    writeCredentials({
      ...previous,
      server,
      user: result.user,
      token: result.token,
      expiresAt: result.expiresAt,
    })
    this.log(`logged in to ${server} as ${result.user}${result.admin ? ' (admin)' : ''}`)
    this.log(
      `  session stored in ${credentialsFile()}${result.expiresAt ? `, valid until ${result.expiresAt}` : ''}`,
    )
    return { server, user: result.user, admin: result.admin, expiresAt: result.expiresAt }
  }
}
