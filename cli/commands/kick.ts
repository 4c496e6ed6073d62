// `chathub kick --room R USER`: take a member out of a room (moderators and the owner, on members of
// lower rank); they may join again (a public room) unless banned.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'

export interface ModerationResult {
  room: string
  user: string
  reason?: string
}

export default class Kick extends ChathubCommand {
  static override summary = 'remove a member from a room'
  static override description =
    'Moderators and the owner, on members of lower rank. USER stops receiving the room at once and is told ' +
    'who removed them (and why, with --reason); they can join a public room again: `chathub ban` keeps them out.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general bob',
    '<%= config.bin %> <%= command.id %> --room general bob --reason "cool off" --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    user: Args.string({ description: 'who to remove', required: true, ignoreStdin: true }),
  }
  static override flags = {
    ...roomTargetFlags('room to remove them from'),
    reason: Flags.string({ summary: 'told to them (up to 256 characters)' }),
  }

  async run(): Promise<ModerationResult> {
    const { args, flags } = await this.parse(Kick)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.kick(await resolveRoom(flags, { client }), args.user, flags.reason),
    )
    this.log(`removed ${ack.user} from ${ack.room}${flags.reason ? ` (${flags.reason})` : ''}`)
    return {
      room: ack.room,
      user: ack.user,
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    }
  }
}
