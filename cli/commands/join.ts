// `chathub join`: become a member of a public room, or of a private room you were invited to.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { plural } from '#cli/format'

export default class Join extends ChathubCommand {
  static override summary = 'join a room'
  static override examples = ['<%= config.bin %> <%= command.id %> general']
  static override enableJsonFlag = true
  static override args = { room: Args.string({ description: 'room name', required: true }) }

  async run(): Promise<{ room: string; seq: number; online: string[] }> {
    const { args } = await this.parse(Join)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient((client) => client.join(args.room))
    this.log(
      `joined ${ack.room} (${plural(ack.seq, 'message')}; read them with \`chathub history --room ${ack.room}\`)`,
    )
    return { room: ack.room, seq: ack.seq, online: ack.online }
  }
}
