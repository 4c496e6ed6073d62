// `chathub history`: a page of a room's messages, oldest first, paged backwards with --before.
import { Flags } from '@oclif/core'
import { ChathubCommand } from '#cli/base-command'
import { formatMessage } from '#cli/format'
import type { MessageView } from '#core/protocol/messages'

export interface HistoryPage {
  room: string
  messages: MessageView[]
  more: boolean
}

export default class History extends ChathubCommand {
  static override summary = "show a room's messages, newest page first"
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general',
    '<%= config.bin %> <%= command.id %> --room general --limit 100 --before 1200 --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    room: Flags.string({ summary: 'room to read', required: true, char: 'r' }),
    limit: Flags.integer({
      summary: 'messages per page (the hub caps it)',
      default: 50,
      min: 1,
      max: 1000,
    }),
    before: Flags.integer({
      summary: 'only messages with a sequence number below this one',
      min: 1,
    }),
  }

  async run(): Promise<HistoryPage> {
    const { flags } = await this.parse(History)
    const { apiCall } = await import('#cli/hub-client')
    const query = new URLSearchParams({ limit: String(flags.limit) })
    if (flags.before !== undefined) query.set('before', String(flags.before))
    const page = await apiCall<HistoryPage>(
      `/api/v1/rooms/${encodeURIComponent(flags.room)}/messages?${query}`,
    )
    if (page.messages.length === 0)
      this.log(`no messages in ${page.room}${flags.before ? ` before #${flags.before}` : ''}`)
    for (const m of page.messages) this.log(formatMessage(m))
    const oldest = page.messages[0]
    if (page.more && oldest)
      this.log(`(older: chathub history --room ${page.room} --before ${oldest.seq})`)
    return page
  }
}
