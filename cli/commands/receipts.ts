// `chathub receipts --room R on|off`: turn a room's read receipts ("seen by") on or off (moderators
// and the owner); everyone following the room sees the change at once.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export interface ReceiptsResult {
  room: string
  enabled: boolean
}

export default class Receipts extends ChathubCommand {
  static override summary = "turn a room's read receipts on or off"
  static override description =
    'Moderators and the owner only. With read receipts on, the members of the room see how far each ' +
    'of them has read ("seen by"); off (the default), nobody learns anyone else\'s read marker.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general on',
    '<%= config.bin %> <%= command.id %> --room general off --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    state: Args.string({ description: 'on or off', required: true, options: ['on', 'off'] }),
  }
  static override flags = {
    room: Flags.string({ summary: 'room to change', char: 'r', required: true }),
  }

  async run(): Promise<ReceiptsResult> {
    const { args, flags } = await this.parse(Receipts)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient((client) => client.setReceipts(flags.room, args.state === 'on'))
    this.log(`read receipts in ${ack.room}: ${ack.enabled ? 'on' : 'off'}`)
    return { room: ack.room, enabled: ack.enabled }
  }
}
