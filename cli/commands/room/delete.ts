// `chathub room delete`: delete a room (or a direct conversation) with its whole history. The room
// disappears at once (a running hub drops it and tells its followers), then its rows are deleted in
// short batches, so a running hub keeps answering its clients however long the history is (see
// core/db/room-purge.ts). A deleted direct conversation starts afresh when either side opens it again.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface RoomDeleted {
  name: string
  deleted: true
  /** Rows deleted (messages, attachments, ...), including those of deletions cut short earlier. */
  rows: number
  /** Write transactions it took. */
  batches: number
}

export default class RoomDelete extends ChathubCommand {
  static override summary = 'delete a room and its history'
  static override description =
    'The room disappears at once; its history is then deleted in short batches, so a running hub is never ' +
    'held up. If the command is interrupted, the rest is deleted by the next `chathub room delete` or when ' +
    '`chathub serve` starts.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> old-stuff',
    '<%= config.bin %> <%= command.id %> old-stuff --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<RoomDeleted> {
    const { args, flags } = await this.parse(RoomDelete)
    const { withAdmin } = await import('#cli/hub-data')
    const { marked, purged } = await withAdmin(flags, (admin) => admin.deleteRoom(args.name))
    if (marked.kind === 'direct') {
      this.log(
        `deleted the direct conversation ${args.name} between ${marked.members.join(' and ')} and its history`,
      )
    } else {
      this.log(`deleted room ${args.name} and its history`)
    }
    return { name: args.name, deleted: true, rows: purged.rows, batches: purged.batches }
  }
}
