// `chathub rooms`: the rooms you can see on the hub (public ones, your private ones and your direct
// conversations, with whom) and your role.
import { ChathubCommand } from '#cli/base-command'
import type { RoomSummary } from '#core/protocol/messages'

export default class Rooms extends ChathubCommand {
  static override summary = 'list the rooms you can see and your role in each'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<RoomSummary[]> {
    await this.parse(Rooms)
    const { apiCall } = await import('#cli/hub-client')
    const { rooms } = await apiCall<{ rooms: RoomSummary[] }>('/api/v1/rooms')
    if (rooms.length === 0) this.log('no rooms to see yet')
    for (const r of rooms) {
      const kind = r.kind === 'direct' ? 'direct' : r.private ? 'private' : 'public'
      const about = r.kind === 'direct' ? `with ${r.peer ?? '(removed account)'}` : r.topic
      const line = `${r.name.padEnd(24)} ${kind.padEnd(8)} ${String(r.members).padStart(5)} members  ${(r.role ?? '-').padEnd(9)} ${about}`
      this.log(line.trimEnd())
    }
    return rooms
  }
}
