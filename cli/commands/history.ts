// `chathub history`: a page of a room's (or a direct conversation's) messages, oldest first, paged
// backwards with --before.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { formatMessage } from '#cli/format'
import type { MessageView, RoomSummary } from '#core/protocol/messages'

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
    '<%= config.bin %> <%= command.id %> --dm bob',
  ]
  static override enableJsonFlag = true
  static override flags = {
    room: Flags.string({ summary: 'room to read', char: 'r', exactlyOne: ['room', 'dm'] }),
    dm: Flags.string({ summary: 'read your direct conversation with this user instead', exactlyOne: ['room', 'dm'] }),
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
    let room = flags.room ?? ''
    if (flags.dm !== undefined) {
      // Reading never opens a conversation: it must be in your room list already.
      const { directErrors } = await import('#core/rooms/errors')
      const { rooms } = await apiCall<{ rooms: RoomSummary[] }>('/api/v1/rooms')
      const found = rooms.find((r) => r.kind === 'direct' && r.peer === flags.dm)
      if (!found) throw directErrors.notFound(flags.dm)
      room = found.name
    }
    const query = new URLSearchParams({ limit: String(flags.limit) })
    if (flags.before !== undefined) query.set('before', String(flags.before))
    const page = await apiCall<HistoryPage>(
      `/api/v1/rooms/${encodeURIComponent(room)}/messages?${query}`,
    )
    const where = flags.dm === undefined ? page.room : `your conversation with ${flags.dm}`
    if (page.messages.length === 0)
      this.log(`no messages in ${where}${flags.before ? ` before #${flags.before}` : ''}`)
    for (const m of page.messages) this.log(formatMessage(m))
    const oldest = page.messages[0]
    const again = flags.dm === undefined ? `--room ${page.room}` : `--dm ${flags.dm}`
    if (page.more && oldest) this.log(`(older: chathub history ${again} --before ${oldest.seq})`)
    return page
  }
}
