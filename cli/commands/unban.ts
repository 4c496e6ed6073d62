// `chathub unban --room R USER`: lift a ban (moderators and the owner); the user may join again.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'
import type { ModerationResult } from './kick.ts'

export default class Unban extends ChathubCommand {
  static override summary = 'lift a ban from a room'
  static override description =
    'Moderators and the owner. USER can join the room again (a private room: once invited again).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general mallory',
    '<%= config.bin %> <%= command.id %> --room general mallory --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    user: Args.string({ description: 'who to let back in', required: true, ignoreStdin: true }),
  }
  static override flags = { ...roomTargetFlags('room to lift the ban in') }

  async run(): Promise<ModerationResult> {
    const { args, flags } = await this.parse(Unban)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.unban(await resolveRoom(flags, { client }), args.user),
    )
    this.log(`lifted the ban of ${ack.user} in ${ack.room}`)
    return { room: ack.room, user: ack.user }
  }
}
