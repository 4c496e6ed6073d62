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
  /** The conversation is end-to-end encrypted (docs/e2e.md, "Direct messages"). */
  e2e: boolean
  /** This command started the conversation. */
  created: boolean
  notice?: string
}

export default class Dm extends ChathubCommand {
  static override summary = 'send a direct message to a user'
  static override description =
    'Only you and USER can read the conversation. The text is the arguments, or stdin when there are ' +
    'none. Read the conversation with `chathub history --dm USER`, chat in it with `chathub chat --dm USER`. ' +
    'A new conversation is end-to-end encrypted with --e2e, or always on hubs with e2e.directMessages on; ' +
    'an existing one stays as it is.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob "lunch at noon?"',
    '<%= config.bin %> <%= command.id %> bob "the plan" --e2e',
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
    e2e: Flags.boolean({
      summary: 'a new conversation is end-to-end encrypted: only your devices and theirs can read it (docs/e2e.md)',
    }),
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
      // The answer to this send (a command's output); not the end-to-end session's own notices.
      client.on('notice', (f: { text: string; ref?: string }) => {
        if (f.ref !== undefined) notice = f.text
      })
      const { room, user, e2e, created } = await client.openDirect(args.user, flags.e2e ? { e2e: true } : {})
      if (flags.e2e && !e2e) throw cliErrors.directNotE2e(user)
      const ack = await client.say(room, text, { txn })
      const result = { user, room, seq: ack.seq, duplicate: ack.duplicate, txn, e2e: e2e !== undefined, created }
      return { ...result, ...(notice ? { notice } : {}) }
    })
    if (result.created && result.e2e)
      this.log(`started an end-to-end encrypted conversation with ${result.user}: only your devices and theirs can read it`)
    if (result.notice !== undefined) this.log(result.notice)
    else this.log(`sent #${result.seq} to ${result.user}${result.duplicate ? ' (already sent before)' : ''}`)
    return result
  }
}
