// `chathub react --room R SEQ EMOJI [--remove]`: add (or take back) your emoji reaction to a message.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags, targetName } from '#cli/room-target'

export interface ReactResult {
  room: string
  seq: number
  emoji: string
  /** False when it was already so (the reaction was there, or was not). */
  changed: boolean
  removed: boolean
}

export default class React extends ChathubCommand {
  static override summary = 'react to a message with an emoji'
  static override description =
    'One emoji per reaction (👍, 👍🏽, 🇫🇷); react again with another one to add it too. Everyone ' +
    'following the room sees it; `chathub history` shows the counts. --remove takes yours back.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general 12 👍',
    '<%= config.bin %> <%= command.id %> --room general 12 👍 --remove',
    '<%= config.bin %> <%= command.id %> --dm bob 3 🎉 --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    seq: Args.integer({
      description: 'sequence number of the message (`chathub history` shows #12)',
      required: true,
      min: 1,
    }),
    emoji: Args.string({ description: 'one emoji', required: true }),
  }
  static override flags = {
    ...roomTargetFlags('room of the message'),
    remove: Flags.boolean({ summary: 'take your reaction back', default: false }),
  }

  async run(): Promise<ReactResult> {
    const { args, flags } = await this.parse(React)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient(async (client) =>
      client.react(await resolveRoom(flags, { client }), args.seq, args.emoji, { remove: flags.remove }),
    )
    const where = `#${ack.seq} in ${targetName(flags, ack.room)}`
    if (!ack.changed) this.log(flags.remove ? `you had not reacted ${ack.emoji} to ${where}` : `you had reacted ${ack.emoji} to ${where} already`)
    else this.log(flags.remove ? `took back ${ack.emoji} from ${where}` : `reacted ${ack.emoji} to ${where}`)
    return { room: ack.room, seq: ack.seq, emoji: ack.emoji, changed: ack.changed, removed: flags.remove === true }
  }
}
