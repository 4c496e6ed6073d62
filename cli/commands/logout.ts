// `chathub logout`: revoke the stored session on the hub (its open connections close), then forget it.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { ChatError, isChatError } from '#core/errors'

export default class Logout extends ChathubCommand {
  static override summary = 'revoke the stored session on the hub and forget it'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --local',
  ]
  static override enableJsonFlag = true
  static override flags = {
    local: Flags.boolean({
      summary: 'only forget the token here (when the hub is gone); it stays valid until it expires',
    }),
  }

  async run(): Promise<{ server: string; user: string; revoked: boolean }> {
    const { flags } = await this.parse(Logout)
    const { requireCredentials, writeCredentials } = await import('#cli/credentials')
    const { apiCall } = await import('#cli/hub-client')
    const creds = requireCredentials()
    let revoked = false
    if (!flags.local) {
      try {
        await apiCall('/api/v1/logout', { method: 'POST' })
        revoked = true
      } catch (err) {
        // An expired or already revoked token is as good as logged out; anything else keeps the token.
        if (!isChatError(err)) throw err
        if (err.code !== 'CHATHUB_TOKEN_INVALID') {
          throw new ChatError(
            err.code,
            `${err.message} To forget the token anyway: chathub logout --local`,
            err.status,
          )
        }
      }
    }
    writeCredentials({ ...creds, token: '', expiresAt: null })
    const who = `${creds.server} (${creds.user})`
    if (revoked) this.log(`logged out of ${who}; the session is revoked`)
    else if (flags.local) this.log(`forgot the session for ${who}; it was not revoked on the hub`)
    else this.log(`logged out of ${who}; the session had already expired or been revoked`)
    return { server: creds.server, user: creds.user, revoked }
  }
}
