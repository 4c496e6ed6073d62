// `chathub leave`: stop being a member of a room.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class Leave extends ChathubCommand {
  static override summary = 'leave a room'
  static override examples = ['<%= config.bin %> <%= command.id %> general']
  static override enableJsonFlag = true
  static override args = { room: Args.string({ description: 'room name', required: true }) }

  async run(): Promise<{ room: string }> {
    const { args } = await this.parse(Leave)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient((client) => client.leave(args.room))
    this.log(`left ${ack.room}`)
    return { room: ack.room }
  }
}
