// `chathub create ROOM`: create a room as the logged-in user, who becomes its owner (where the hub
// lets users create rooms: rooms.usersCanCreate, or an admin account).
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export interface CreateResult {
  room: string
  private: boolean
  topic: string
}

export default class Create extends ChathubCommand {
  static override summary = 'create a room and become its owner'
  static override description =
    'A public room can be seen and joined by everyone; a private one only by its members and the people ' +
    'they invite (`chathub invite`). Hubs with rooms.usersCanCreate off let only admins create rooms ' +
    '(CHATHUB_FORBIDDEN); an admin can also create one on the data directory with `chathub room create`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general --topic "everything else"',
    '<%= config.bin %> <%= command.id %> ops --private --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({
      description: 'room name: 1-32 of a-z, 0-9 and "-"',
      required: true,
      ignoreStdin: true,
    }),
  }
  static override flags = {
    private: Flags.boolean({
      summary: 'only members and the people they invite can see and join it',
    }),
    topic: Flags.string({ summary: 'what the room is about (up to 256 characters)' }),
  }

  async run(): Promise<CreateResult> {
    const { args, flags } = await this.parse(Create)
    const { withClient } = await import('#cli/hub-client')
    const topic = flags.topic ?? ''
    const isPrivate = flags.private ?? false
    const ack = await withClient((client) =>
      client.create(args.room, { private: isPrivate, ...(topic === '' ? {} : { topic }) }),
    )
    this.log(
      `created ${ack.room} (${isPrivate ? 'private' : 'public'}); you are its owner. ` +
        `Invite people with \`chathub invite ${ack.room} USER\``,
    )
    return { room: ack.room, private: isPrivate, topic }
  }
}
