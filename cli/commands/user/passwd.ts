// `chathub user passwd`: set a new password; every session of the user ends (open sockets close).
import { Args, Flags } from '#oclif'
import { passwordPolicy } from '#cli/admin'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { newPassword } from '#cli/prompt'

export default class UserPasswd extends ChathubCommand {
  static override summary = "set a user's password and end their sessions"
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    'printf \'%s\\n\' "$PASSWORD" | <%= config.bin %> <%= command.id %> alice --password-stdin',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = {
    ...dataFlags,
    'password-stdin': Flags.boolean({ summary: 'read the password from the first line of stdin' }),
  }

  async run(): Promise<{ name: string; sessionsEnded: true }> {
    const { args, flags } = await this.parse(UserPasswd)
    const { withAdmin } = await import('#cli/hub-data')
    const { requireUser } = await import('#core/users/queries')
    await withAdmin(flags, async (admin, db, config) => {
      requireUser(db, args.name) // before asking for a password
      const password = await newPassword(flags['password-stdin'], args.name)
      await admin.setPassword(args.name, password, passwordPolicy(config))
    })
    this.log(`changed the password of ${args.name}; their sessions ended`)
    return { name: args.name, sessionsEnded: true }
  }
}
