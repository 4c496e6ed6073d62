// `chathub room member add ROOM USER`: put a user in a room (also a private one) or change their role,
// e.g. to give an ownerless room its owner; a running hub applies it at once.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { MemberChange } from '#core/admin/admin-service'

export default class RoomMemberAdd extends ChathubCommand {
  static override summary = 'make a user a member of a room, or change their role'
  static override description =
    "Works on the data directory, also while the hub runs: the room's followers see the user join. A pending " +
    'invite is used up and a ban lifted. With --role owner the user can invite, kick, ban and set roles.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ops bob',
    '<%= config.bin %> <%= command.id %> general alice --role owner --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({ description: 'room name', required: true }),
    user: Args.string({ description: 'user name', required: true }),
  }
  static override flags = {
    ...dataFlags,
    role: Flags.string({
      summary: 'role in the room',
      options: ['member', 'moderator', 'owner'],
      default: 'member',
    }),
  }

  async run(): Promise<MemberChange> {
    const { args, flags } = await this.parse(RoomMemberAdd)
    const { withAdmin } = await import('#cli/hub-data')
    const role = flags.role === 'owner' || flags.role === 'moderator' ? flags.role : 'member'
    const change = await withAdmin(flags, (admin) => admin.setMember(args.room, args.user, role))
    const a = (role: string) => (role === 'owner' ? `an ${role}` : `a ${role}`)
    this.log(
      change.previous === null
        ? `${change.user} is now ${a(change.role)} of ${change.room}`
        : change.previous === change.role
          ? `${change.user} was already ${a(change.role)} of ${change.room}`
          : `${change.user} is now ${a(change.role)} of ${change.room} (was ${change.previous})`,
    )
    return change
  }
}
