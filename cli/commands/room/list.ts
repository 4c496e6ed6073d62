// `chathub room list`: every room, public, private and direct (with its two participants), with
// member count and last sequence number.
import { ChathubCommand, dataFlags } from '#cli/base-command'
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
    const rooms = await withHubDb(flags, (db) => listAllRooms(db))
    if (rooms.length === 0) this.log('no rooms yet; create one with `chathub room create NAME`')
    for (const r of rooms) {
      const kind = r.kind === 'direct' ? 'direct' : r.private ? 'private' : 'public'
      const about = r.kind === 'direct' ? `between ${(r.participants ?? []).join(' and ')}` : r.topic
      const line = `${r.name.padEnd(24)} ${kind.padEnd(8)} ${String(r.members).padStart(5)} members ${String(r.seq).padStart(7)} messages  ${about}`
      this.log(line.trimEnd())
    }
    return rooms
  }
}
