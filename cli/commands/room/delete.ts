// `chathub room delete`: delete a room with its whole history; a running hub drops it at once.
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
    const { deleteRoom } = await import('#core/rooms/queries')
    await withHubDb(flags, (db) => deleteRoom(db, args.name))
    this.log(`deleted room ${args.name} and its history`)
    return { name: args.name, deleted: true }
  }
}
