// `chathub members --room R`: who belongs to a room, with their roles and who is online now.
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags, targetName } from '#cli/room-target'
import type { MemberView } from '#core/protocol/messages'

export default class Members extends ChathubCommand {
  static override summary = 'list the members of a room, their roles and who is online'
  static override description =
    'Any room you can see: public rooms, and private ones you are a member of.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general',
    '<%= config.bin %> <%= command.id %> --dm bob --json',
  ]
  static override enableJsonFlag = true
  static override flags = { ...roomTargetFlags('room to list') }

  async run(): Promise<MemberView[]> {
    const { flags } = await this.parse(Members)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.members(await resolveRoom(flags, { client })),
    )
    if (ack.members.length === 0) this.log(`${targetName(flags, ack.room)} has no members`)
    for (const m of ack.members) {
      this.log(`${m.user.padEnd(24)} ${m.role.padEnd(9)} ${m.online ? 'online' : ''}`.trimEnd())
    }
    return ack.members
  }
}
