// `chathub room list`: every room, public, private and direct (with its two participants), with
// member count, last sequence number and its own retention where it has one.
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { RoomListing } from '#core/rooms/queries'

export default class RoomList extends ChathubCommand {
  static override summary = 'list every room with its member count'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<RoomListing[]> {
    const { flags } = await this.parse(RoomList)
    const { withHubDb } = await import('#cli/hub-data')
    const { listAllRooms } = await import('#core/rooms/queries')
    const { describeRetention } = await import('#core/retention/policy')
    const rooms = await withHubDb(flags, (db) => listAllRooms(db))
    if (rooms.length === 0) this.log('no rooms yet; create one with `chathub room create NAME`')
    for (const r of rooms) {
      const kind = r.kind === 'direct' ? 'direct' : r.private ? 'private' : 'public'
      const about = r.kind === 'direct' ? `between ${(r.participants ?? []).join(' and ')}` : r.topic
      // A room's own retention only: the others follow the hub's retention.days.
      const kept = r.retentionDays === null ? '' : `  [retention ${describeRetention(r.retentionDays, 0)}]`
      const line = `${r.name.padEnd(24)} ${kind.padEnd(8)} ${plural(r.members, 'member').padStart(13)} ${plural(r.seq, 'message').padStart(16)}${kept}  ${about}`
      this.log(line.trimEnd())
    }
    return rooms
  }
}
