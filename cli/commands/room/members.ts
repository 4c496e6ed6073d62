// `chathub room members`: who belongs to a room, with their roles.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface MemberListing {
  user: string
  role: 'owner' | 'moderator' | 'member'
  joinedAt: string
}

export default class RoomMembers extends ChathubCommand {
  static override summary = 'list the members of a room with their roles'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general',
    '<%= config.bin %> <%= command.id %> ops --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<MemberListing[]> {
    const { args, flags } = await this.parse(RoomMembers)
    const { withHubDb } = await import('#cli/hub-data')
    const { listMembers, requireRoom } = await import('#core/rooms/queries')
    const members = await withHubDb(flags, (db) =>
      listMembers(db, requireRoom(db, args.name).id).map((m) => ({
        user: m.user,
        role: m.role,
        joinedAt: m.joinedAt.toISOString(),
      })),
    )
    if (members.length === 0) this.log(`${args.name} has no members yet`)
    for (const m of members) this.log(`${m.user.padEnd(24)} ${m.role}`)
    return members
  }
}
