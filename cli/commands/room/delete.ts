// `chathub room delete`: delete a room (or a direct conversation) with its whole history; a running
// hub drops it at once. A deleted direct conversation starts afresh when either side opens it again.
import { Args } from '@oclif/core'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class RoomDelete extends ChathubCommand {
  static override summary = 'delete a room and its history'
  static override examples = [
    '<%= config.bin %> <%= command.id %> old-stuff',
    '<%= config.bin %> <%= command.id %> old-stuff --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; deleted: true }> {
    const { args, flags } = await this.parse(RoomDelete)
    const { withHubDb } = await import('#cli/hub-data')
    const { deleteRoom, listMembers, requireRoom } = await import('#core/rooms/queries')
    const direct = await withHubDb(flags, (db) => {
      const room = requireRoom(db, args.name)
      const between = room.kind === 'direct' ? listMembers(db, room.id).map((m) => m.user) : undefined
      deleteRoom(db, args.name)
      return between
    })
    if (direct) this.log(`deleted the direct conversation ${args.name} between ${direct.join(' and ')} and its history`)
    else this.log(`deleted room ${args.name} and its history`)
    return { name: args.name, deleted: true }
  }
}
