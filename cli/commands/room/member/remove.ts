// `chathub room member remove ROOM USER`: take a user out of a room; a running hub stops sending them
// the room at once (they get a `kicked` event by "admin").
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { MemberChange } from '#core/admin/admin-service'

export default class RoomMemberRemove extends ChathubCommand {
  static override summary = 'take a user out of a room'
  static override description =
    "Works on the data directory, also while the hub runs: the user's open clients stop receiving the room at " +
    'once. They may join a public room again by themselves; a private one needs a new invite.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ops bob',
    '<%= config.bin %> <%= command.id %> ops bob --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({ description: 'room name', required: true }),
    user: Args.string({ description: 'user name', required: true }),
  }
  static override flags = { ...dataFlags }

  async run(): Promise<MemberChange> {
    const { args, flags } = await this.parse(RoomMemberRemove)
    const { withAdmin } = await import('#cli/hub-data')
    const change = await withAdmin(flags, (admin) => admin.removeMember(args.room, args.user))
    this.log(`removed ${change.user} (${change.role}) from ${change.room}`)
    return change
  }
}
