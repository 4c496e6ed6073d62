// `chathub ban --room R USER`: take a user out of a room and keep them out (moderators and the owner).
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'
import type { ModerationResult } from './kick.ts'

export default class Ban extends ChathubCommand {
  static override summary = 'ban a user from a room'
  static override description =
    'Moderators and the owner, on members of lower rank (or on someone not in the room yet). USER stops ' +
    'receiving the room at once and cannot join it again until `chathub unban`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general mallory --reason spam',
    '<%= config.bin %> <%= command.id %> --room general mallory --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    user: Args.string({ description: 'who to ban', required: true, ignoreStdin: true }),
  }
  static override flags = {
    ...roomTargetFlags('room to ban them from'),
    reason: Flags.string({ summary: 'told to them (up to 256 characters)' }),
  }

  async run(): Promise<ModerationResult> {
    const { args, flags } = await this.parse(Ban)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.ban(await resolveRoom(flags, { client }), args.user, flags.reason),
    )
    this.log(`banned ${ack.user} from ${ack.room}${flags.reason ? ` (${flags.reason})` : ''}`)
    return {
      room: ack.room,
      user: ack.user,
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    }
  }
}
