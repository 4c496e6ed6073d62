// `chathub edit --room R SEQ TEXT`: change the text of one of your own messages (argument or stdin).
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { readStdin } from '#cli/prompt'
import { resolveRoom, roomTargetFlags, targetName } from '#cli/room-target'

export interface EditResult {
  room: string
  seq: number
}

export default class Edit extends ChathubCommand {
  static override summary = 'change the text of one of your messages'
  static override description =
    'The new text is the arguments after SEQ, or stdin when there are none. Everyone following the room ' +
    'sees the new text, marked as edited; only your own messages can be edited.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general 12 "hello, world (fixed)"',
    'cat fixed.txt | <%= config.bin %> <%= command.id %> --room general 12',
    '<%= config.bin %> <%= command.id %> --dm bob 3 "see you at one" --json',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = {
    seq: Args.integer({
      description: 'sequence number of the message (`chathub history` shows #12)',
      required: true,
      min: 1,
      ignoreStdin: true,
    }),
    text: Args.string({ description: 'new text (default: stdin)', ignoreStdin: true }),
  }
  static override flags = { ...roomTargetFlags('room of the message') }

  async run(): Promise<EditResult> {
    const { args, argv, flags } = await this.parse(Edit)
    const { withClient } = await import('#cli/hub-client')
    // argv: SEQ, then the words of the text.
    let text = argv.slice(1).map(String).join(' ')
    if (text === '') text = (await readStdin()).replace(/\r?\n$/, '')
    if (text.trim() === '') throw cliErrors.messageEmpty()
    const ack = await withClient(async (client) =>
      client.edit(await resolveRoom(flags, { client }), args.seq, text),
    )
    this.log(`edited #${ack.seq} in ${targetName(flags, ack.room)}`)
    return { room: ack.room, seq: ack.seq }
  }
}
