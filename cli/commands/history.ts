// `chathub history`: a page of a room's (or a direct conversation's) messages, oldest first, paged
// backwards with --before. What it shows is read: your read marker moves to its newest message.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { formatMessage } from '#cli/format'
import { resolveRoom, roomTargetFlags, targetFlag, targetName } from '#cli/room-target'
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
    '<%= config.bin %> <%= command.id %> --dm bob',
    '<%= config.bin %> <%= command.id %> --room general --keep-unread',
    '<%= config.bin %> <%= command.id %> --room general --thread 12',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...roomTargetFlags('room to read'),
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
    thread: Flags.integer({
      summary: 'only this thread: the message with this sequence number and the replies to it',
      min: 1,
    }),
    'keep-unread': Flags.boolean({
      summary: 'leave your read marker where it is (by default it moves to the newest message shown)',
    }),
  }

  async run(): Promise<HistoryPage> {
    const { flags } = await this.parse(History)
    const { apiCall } = await import('#cli/hub-client')
    // Reading never opens a conversation: it must be in your room list already.
    const room = await resolveRoom(flags)
    const query = new URLSearchParams({ limit: String(flags.limit) })
    if (flags.before !== undefined) query.set('before', String(flags.before))
    if (flags.thread !== undefined) query.set('thread', String(flags.thread))
    let page = await apiCall<HistoryPage>(`/api/v1/rooms/${encodeURIComponent(room)}/messages?${query}`)
    // An end-to-end encrypted room: the hub has ciphertext; this device's own log has the messages.
    if (page.messages.some((m) => m.mls)) page = await this.decrypted(room, flags)
    const where = targetName(flags, page.room)
    if (page.messages.length === 0)
      this.log(`no messages in ${where}${flags.before ? ` before #${flags.before}` : ''}`)
    for (const m of page.messages) this.log(formatMessage(m))
    const oldest = page.messages[0]
    const again = targetFlag(flags, page.room)
    const thread = flags.thread === undefined ? '' : ` --thread ${flags.thread}`
    if (page.more && oldest) this.log(`(older: chathub history ${again}${thread} --before ${oldest.seq})`)
    const newest = page.messages.at(-1)
    // A thread is not the room: reading one moves no marker (its replies are among the room's messages).
    if (newest && !flags['keep-unread'] && flags.thread === undefined) await markRead(apiCall, page.room, newest.seq)
    return page
  }

  /** The page from this device's end-to-end session (it catches up with the room first). */
  private async decrypted(room: string, flags: { limit: number; before?: number; thread?: number }): Promise<HistoryPage> {
    const { withClient } = await import('#cli/hub-client')
    const { type: _type, ref: _ref, ...page } = await withClient((client) =>
      client.history(room, {
        limit: flags.limit,
        ...(flags.before === undefined ? {} : { before: flags.before }),
        ...(flags.thread === undefined ? {} : { thread: flags.thread }),
      }),
    )
    return page
  }
}

/** Move the read marker (only forward); reading a public room you are not a member of moves none. */
const markRead = async (
  apiCall: (path: string, init: { body: unknown }) => Promise<unknown>,
  room: string,
  seq: number,
): Promise<void> => {
  const { isChatError } = await import('#core/errors')
  try {
    await apiCall(`/api/v1/rooms/${encodeURIComponent(room)}/read`, { body: { seq } })
  } catch (err) {
    if (!isChatError(err) || err.code !== 'CHATHUB_ROOM_NOT_MEMBER') throw err
  }
}
