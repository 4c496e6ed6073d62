// `chathub delete --room R SEQ`: delete a message (your own; anyone's as a moderator or the owner).
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags, targetName } from '#cli/room-target'

export interface DeleteResult {
  room: string
  seq: number
}

export default class Delete extends ChathubCommand {
  static override summary = 'delete a message'
  static override description =
    "Your own messages, or anyone's if you are a moderator or the owner of the room. The message keeps " +
    'its place in the history, shown as "(deleted)", and its text is gone.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general 12',
    '<%= config.bin %> <%= command.id %> --dm bob 3 --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    seq: Args.integer({
      description: 'sequence number of the message (`chathub history` shows #12)',
      required: true,
      min: 1,
      ignoreStdin: true,
    }),
  }
  static override flags = { ...roomTargetFlags('room of the message') }

  async run(): Promise<DeleteResult> {
    const { args, flags } = await this.parse(Delete)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.delete(await resolveRoom(flags, { client }), args.seq),
    )
    this.log(`deleted #${ack.seq} in ${targetName(flags, ack.room)}`)
    return { room: ack.room, seq: ack.seq }
  }
}
