// `chathub role --room R USER ROLE`: make a member a moderator, or a member again (owners only).
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'

export interface RoleResult {
  room: string
  user: string
  role: 'moderator' | 'member'
}

export default class Role extends ChathubCommand {
  static override summary = "change a member's role in a room"
  static override description =
    'The owner only. Moderators may kick, ban and unban members, delete their messages, set the topic and ' +
    'invite people to a private room.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general bob moderator',
    '<%= config.bin %> <%= command.id %> --room general bob member --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    user: Args.string({ description: 'a member of the room', required: true, ignoreStdin: true }),
    role: Args.string({
      description: 'their new role',
      required: true,
      options: ['moderator', 'member'],
      ignoreStdin: true,
    }),
  }
  static override flags = { ...roomTargetFlags('room to change the role in') }

  async run(): Promise<RoleResult> {
    const { args, flags } = await this.parse(Role)
    const { withClient } = await import('#cli/hub-client')
    const role = args.role === 'moderator' ? 'moderator' : 'member'
    const ack = await withClient(async (client) =>
      client.setRole(await resolveRoom(flags, { client }), args.user, role),
    )
    this.log(
      `${ack.user} is now ${ack.role === 'moderator' ? 'a moderator' : 'a member'} of ${ack.room}`,
    )
    return { room: ack.room, user: ack.user, role }
  }
}
