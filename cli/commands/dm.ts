// `chathub dm USER [TEXT]`: send a direct message (argument or stdin). Opens the conversation with
// USER if needed (the same room from either side) and waits for the hub's ack; the txn makes a retry
// after a dropped connection safe, as with `chathub send`.
import { randomUUID } from 'node:crypto'
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { readStdin } from '#cli/prompt'

export interface DirectSendResult {
  user: string
  room: string
  seq: number
  duplicate: boolean
  txn: string
  notice?: string
}

export default class Dm extends ChathubCommand {
  static override summary = 'send a direct message to a user'
  static override description =
    'Only you and USER can read the conversation. The text is the arguments, or stdin when there are ' +
    'none. Read the conversation with `chathub history --dm USER`, chat in it with `chathub chat --dm USER`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob "lunch at noon?"',
    'uptime | <%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> echo "ping" --json',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = {
    user: Args.string({ description: 'who to write to', required: true }),
    text: Args.string({ description: 'message text (default: stdin)' }),
  }
  static override flags = {
    txn: Flags.string({ summary: 'idempotency key: sending again with the same key stores the message once' }),
  }

  async run(): Promise<DirectSendResult> {
    const { args, argv, flags } = await this.parse(Dm)
    const { withClientRetried } = await import('#cli/hub-client')
    // argv holds USER and the words of the text (oclif puts piped stdin there too, first).
    const words = argv.map(String)
    words.splice(words.indexOf(args.user), 1)
    let text = words.join(' ')
    if (text === '') text = (await readStdin()).replace(/\r?\n$/, '')
    if (text.trim() === '') throw cliErrors.messageEmpty()
    const txn = flags.txn ?? randomUUID()
    const result = await withClientRetried(async (client): Promise<DirectSendResult> => {
      let notice: string | undefined
      client.on('notice', (f: { text: string }) => {
        notice = f.text
      })
      const { room, user } = await client.openDirect(args.user)
      const ack = await client.say(room, text, { txn })
      return { user, room, seq: ack.seq, duplicate: ack.duplicate, txn, ...(notice ? { notice } : {}) }
    })
    if (result.notice !== undefined) this.log(result.notice)
    else this.log(`sent #${result.seq} to ${result.user}${result.duplicate ? ' (already sent before)' : ''}`)
    return result
  }
}
