// `chathub room set NAME`: change a room's topic or privacy on the data directory; a running hub
// enforces it at once (a room made private is closed to everyone but its members and invitees).
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface RoomSettings {
  name: string
  private: boolean
  topic: string
}

export default class RoomSet extends ChathubCommand {
  static override summary = "change a room's topic or privacy"
  static override description =
    'Works on the data directory, also while the hub runs: its clients see the change at once. A room made ' +
    'private is seen and joined only by its members and the people they invite; its members stay.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general --topic "release day"',
    '<%= config.bin %> <%= command.id %> ops --private --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = {
    ...dataFlags,
    topic: Flags.string({ summary: 'new topic (up to 256 characters; "" clears it)' }),
    private: Flags.boolean({ summary: 'make the room private', exclusive: ['public'] }),
    public: Flags.boolean({ summary: 'make the room public', exclusive: ['private'] }),
  }

  async run(): Promise<RoomSettings> {
    const { args, flags } = await this.parse(RoomSet)
    const { withAdmin } = await import('#cli/hub-data')
    const { coreErrors } = await import('#core/errors')
    const isPrivate = flags.private ? true : flags.public ? false : undefined
    if (flags.topic === undefined && isPrivate === undefined) {
      throw coreErrors.frameInvalid('nothing to change; give --topic, --private or --public')
    }
    const room = await withAdmin(flags, (admin) =>
      admin.updateRoom(args.name, {
        ...(flags.topic === undefined ? {} : { topic: flags.topic }),
        ...(isPrivate === undefined ? {} : { isPrivate }),
      }),
    )
    this.log(
      `${room.name}: ${room.isPrivate ? 'private' : 'public'}${room.topic ? `, topic "${room.topic}"` : ', no topic'}`,
    )
    return { name: room.name, private: room.isPrivate, topic: room.topic }
  }
}
