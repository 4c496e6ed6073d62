// `chathub whoami`: the account and hub of the stored session, as the hub sees it.
import { ChathubCommand } from '#cli/base-command'

export interface WhoAmI {
  server: string
  user: string
  admin: boolean
  kind: string
}

export default class WhoAmICommand extends ChathubCommand {
  static override summary = 'show who you are logged in as, and where'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<WhoAmI> {
    await this.parse(WhoAmICommand)
    const { requireCredentials } = await import('#cli/credentials')
    const { apiCall } = await import('#cli/hub-client')
    const creds = requireCredentials()
    const me = await apiCall<{ user: string; admin: boolean; kind: string }>('/api/v1/me')
    this.log(`${me.user}${me.admin ? ' (admin)' : ''} on ${creds.server}`)
    return { server: creds.server, ...me }
  }
}
