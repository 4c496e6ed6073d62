// `chathub create ROOM`: create a room as the logged-in user, who becomes its owner (where the hub
// lets users create rooms: rooms.usersCanCreate, or an admin account).
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export interface CreateResult {
  room: string
  private: boolean
  topic: string
  /** End-to-end encrypted: the room's MLS group id and cipher suite. */
  e2e?: { suite: number; group: string }
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
    '<%= config.bin %> <%= command.id %> secret --e2e --private',
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
    e2e: Flags.boolean({
      summary: 'end-to-end encrypted: only members\' devices can read it, not the hub (docs/e2e.md)',
      description:
        'Made on this device, which holds the keys. No history before joining; lose every device and ' +
        'you lose what they decrypted.',
    }),
  }

  async run(): Promise<CreateResult> {
    const { args, flags } = await this.parse(Create)
    const { withClient } = await import('#cli/hub-client')
    const topic = flags.topic ?? ''
    const isPrivate = flags.private ?? false
    const e2e = flags.e2e ?? false
    const ack = await withClient((client) =>
      client.create(args.room, { private: isPrivate, ...(topic === '' ? {} : { topic }), ...(e2e ? { e2e } : {}) }),
    )
    const kind = `${isPrivate ? 'private' : 'public'}${ack.e2e ? ', end-to-end encrypted' : ''}`
    this.log(`created ${ack.room} (${kind}); you are its owner. Invite people with \`chathub invite ${ack.room} USER\``)
    if (ack.e2e) this.log('only the devices of its members can read it; members read what is sent after they joined')
    return { room: ack.room, private: isPrivate, topic, ...(ack.e2e ? { e2e: { suite: ack.e2e.suite, group: ack.e2e.group } } : {}) }
  }
}
