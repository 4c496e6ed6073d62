// `chathub invite`: invite a user to a room (private rooms: moderators and owners only).
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class Invite extends ChathubCommand {
  static override summary = 'invite a user to a room'
  static override examples = ['<%= config.bin %> <%= command.id %> ops bob']
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({ description: 'room name', required: true }),
    user: Args.string({ description: 'user to invite', required: true }),
  }

  async run(): Promise<{ room: string; user: string }> {
    const { args } = await this.parse(Invite)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient((client) => client.invite(args.room, args.user))
    this.log(`invited ${ack.user} to ${ack.room}; they can now \`chathub join ${ack.room}\``)
    return { room: ack.room, user: ack.user }
  }
}
