// `chathub room create`: create a public or private room on the data directory, optionally with an owner.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface CreatedRoom {
  name: string
  private: boolean
  topic: string
  owner: string | null
}

export default class RoomCreate extends ChathubCommand {
  static override summary = 'create a room'
  static override description =
    'Private rooms are invisible to non-members; their owner (or a moderator) invites people. ' +
    'Without --owner the room has no owner until an admin gives it one.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general --topic "everything else"',
    '<%= config.bin %> <%= command.id %> ops --private --owner alice --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = {
    name: Args.string({ description: 'room name (a-z, 0-9, "-")', required: true }),
  }
  static override flags = {
    ...dataFlags,
    private: Flags.boolean({ summary: 'only members and invited users can see and join it' }),
    topic: Flags.string({ summary: 'room topic (up to 256 characters)', default: '' }),
    owner: Flags.string({ summary: 'user who owns the room (can invite, kick, ban, set roles)' }),
  }

  async run(): Promise<CreatedRoom> {
    const { args, flags } = await this.parse(RoomCreate)
    const { withAdmin } = await import('#cli/hub-data')
    const room = await withAdmin(flags, (admin) =>
      admin.createRoom({
        name: args.name,
        isPrivate: flags.private,
        topic: flags.topic,
        ...(flags.owner === undefined ? {} : { owner: flags.owner }),
      }),
    )
    this.log(
      `created ${room.isPrivate ? 'private' : 'public'} room ${room.name}${flags.owner ? ` owned by ${flags.owner}` : ''}`,
    )
    return {
      name: room.name,
      private: room.isPrivate,
      topic: room.topic,
      owner: flags.owner ?? null,
    }
  }
}
