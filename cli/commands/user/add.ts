// `chathub user add`: create an account on the data directory (argon2id hash, policy from the config).
import { Args, Flags } from '#oclif'
import { type AccountView, accountView, passwordPolicy } from '#cli/admin'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { newPassword } from '#cli/prompt'

export default class UserAdd extends ChathubCommand {
  static override summary = 'create a user account'
  static override description =
    'Asks for the password twice without echo, or reads it from stdin with --password-stdin. ' +
    'Works on the data directory, also while the hub runs.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --admin',
    'printf \'%s\\n\' "$PASSWORD" | <%= config.bin %> <%= command.id %> bob --password-stdin --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = {
    name: Args.string({ description: 'user name (a-z, 0-9, ".", "_", "-")', required: true }),
  }
  static override flags = {
    ...dataFlags,
    admin: Flags.boolean({ summary: 'make the user a hub admin' }),
    'password-stdin': Flags.boolean({ summary: 'read the password from the first line of stdin' }),
  }

  async run(): Promise<AccountView> {
    const { args, flags } = await this.parse(UserAdd)
    const { withAdmin } = await import('#cli/hub-data')
    const { checkUserName, findUser } = await import('#core/users/queries')
    const { coreErrors } = await import('#core/errors')
    const user = await withAdmin(flags, async (admin, db, config) => {
      // Refuse a bad or taken name before asking for a password.
      checkUserName(args.name)
      if (findUser(db, args.name)) throw coreErrors.userExists(args.name)
      const password = await newPassword(flags['password-stdin'], args.name)
      return admin.addUser(
        { name: args.name, password, admin: flags.admin },
        passwordPolicy(config),
      )
    })
    this.log(`added ${user.isAdmin ? 'admin' : 'user'} ${user.name}`)
    return accountView(user)
  }
}
