// `chathub send`: send one message (argument or stdin) and wait for the hub's ack. A client-chosen
// txn makes retries idempotent: the same send retried after a dropped connection is stored once.
import { randomUUID } from 'node:crypto'
import { Args, Flags } from '@oclif/core'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { readStdin } from '#cli/prompt'
import { isChatError } from '#core/errors'

const RETRYABLE = new Set(['CHATHUB_CONNECTION_CLOSED', 'CHATHUB_TIMEOUT', 'CHATHUB_SERVER_UNREACHABLE'])
const ATTEMPTS = 3

export interface SendResult {
  room: string
  seq: number
  duplicate: boolean
  txn: string
  notice?: string
}

export default class Send extends ChathubCommand {
  static override summary = 'send a message to a room'
  static override description =
    'The text is the arguments, or stdin when there are none. Text starting with "/" is a chat command ' +
    '(e.g. /roll); start it with "//" to send a literal slash.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general "hello, world"',
    'uptime | <%= config.bin %> <%= command.id %> --room ops',
    '<%= config.bin %> <%= command.id %> --room general --txn deploy-42 "deployed v42"',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = { text: Args.string({ description: 'message text (default: stdin)' }) }
  static override flags = {
    room: Flags.string({ summary: 'room to send to', required: true, char: 'r' }),
    txn: Flags.string({ summary: 'idempotency key: sending again with the same key stores the message once' }),
  }

  async run(): Promise<SendResult> {
    const { argv, flags } = await this.parse(Send)
    const { withClient } = await import('#cli/hub-client')
    let text = argv.map(String).join(' ')
    if (text === '') text = (await readStdin()).replace(/\r?\n$/, '')
    if (text.trim() === '') throw cliErrors.messageEmpty()
    const txn = flags.txn ?? randomUUID()

    for (let attempt = 1; ; attempt++) {
      try {
        const result = await withClient(async (client) => {
          let notice: string | undefined
          client.on('notice', (f: { text: string }) => {
            notice = f.text
          })
          const ack = await client.say(flags.room, text, { txn })
          return { room: ack.room, seq: ack.seq, duplicate: ack.duplicate, txn, ...(notice ? { notice } : {}) }
        })
        if (result.notice !== undefined) this.log(result.notice)
        else this.log(`sent #${result.seq} to ${result.room}${result.duplicate ? ' (already sent before)' : ''}`)
        return result
      } catch (err) {
        if (attempt >= ATTEMPTS || !isChatError(err) || !RETRYABLE.has(err.code)) throw err
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt))
      }
    }
  }
}
