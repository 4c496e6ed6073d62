// `chathub search`: full-text search of the messages you may read, newest first, one line per match
// with the matched words in [brackets]; paged backwards with --cursor. Clear rooms are searched by
// the hub, end-to-end encrypted ones by this CLI home's device, in what it decrypted (the SDK's search).
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { formatTime, plural } from '#cli/format'
import { resolveRoom } from '#cli/room-target'
import type { AckResults, SearchHit } from '#core/protocol/messages'

export type SearchPage = AckResults['search']

export default class Search extends ChathubCommand {
  static override summary = 'search the messages you may read, newest first'
  static override description =
    'Words must all appear (case and accents of Latin letters ignored); "an exact phrase" in quotes, ' +
    'word* for a prefix, -word to leave out, OR between alternatives. Searches every room you may read ' +
    '(public rooms, and your private rooms and direct conversations) unless --room or --dm names one. ' +
    'End-to-end encrypted rooms are searched on this device, in what it decrypted (marked "on this device"). ' +
    '--after and --before take a date (2025-03-01, midnight UTC), a time (2025-03-01T14:30:00Z) or ' +
    'milliseconds since 1970.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> deploy failed',
    '<%= config.bin %> <%= command.id %> \'"release notes" -draft\' --room general',
    '<%= config.bin %> <%= command.id %> deploy* --from alice --after 2025-03-01 --before 2025-04-01',
    '<%= config.bin %> <%= command.id %> lunch --dm bob --json',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = { query: Args.string({ description: 'what to look for', required: true }) }
  static override flags = {
    room: Flags.string({ summary: 'only this room', char: 'r', exclusive: ['dm'] }),
    dm: Flags.string({
      summary: 'only your direct conversation with this user',
      exclusive: ['room'],
    }),
    from: Flags.string({
      summary: 'only messages from this user (or bridged sender name@network)',
    }),
    after: Flags.string({ summary: 'only messages sent at or after this date or time' }),
    before: Flags.string({ summary: 'only messages sent before this date or time' }),
    limit: Flags.integer({ summary: 'matches per page', default: 20, min: 1, max: 100 }),
    cursor: Flags.string({
      summary: 'the next page: the cursor printed at the end of the previous one',
    }),
  }

  async run(): Promise<SearchPage> {
    const { argv, flags } = await this.parse(Search)
    const { withClient } = await import('#cli/hub-client')
    const q = argv.map(String).join(' ')
    const { type: _type, ref: _ref, ...page } = await withClient(async (client) => {
      // Reading never opens a conversation: with --dm it must be in your room list already.
      const room =
        flags.room !== undefined || flags.dm !== undefined ? await resolveRoom(flags, { client }) : undefined
      const options: Parameters<typeof client.search>[1] = { limit: flags.limit }
      if (room !== undefined) options.room = room
      for (const name of ['from', 'after', 'before', 'cursor'] as const) {
        const value = flags[name]
        if (value !== undefined) options[name] = value
      }
      return client.search(q, options)
    })
    if (page.results.length === 0) this.log(flags.cursor ? 'no more matches' : 'no messages match')
    for (const hit of page.results) this.log(formatHit(hit))
    if (page.more && page.cursor) {
      const again = ['search', q]
      for (const name of ['room', 'dm', 'from', 'after', 'before'] as const) {
        const value = flags[name]
        if (value !== undefined) again.push(`--${name}`, value)
      }
      if (flags.limit !== 20) again.push('--limit', String(flags.limit))
      again.push('--cursor', page.cursor)
      this.log(
        `(${plural(page.results.length, 'match', 'matches')} shown; older: chathub ${again.map(shellWord).join(' ')})`,
      )
    }
    return page
  }
}

/** `general #12 14:03 alice: …the [deploy] failed…`, with `(on this device)` for a hit of an E2E room. */
export const formatHit = (hit: SearchHit, now?: Date): string => {
  const m = hit.message
  let text = hit.snippet
  for (const [start, end] of [...hit.marks].reverse()) {
    text = `${text.slice(0, start)}[${text.slice(start, end)}]${text.slice(end)}`
  }
  const where = hit.source === 'device' ? ' (on this device)' : ''
  return `${m.room} #${m.seq} ${formatTime(m.ts, now)} ${m.from}: ${text}${where}`
}

/** Quote an argument for a POSIX shell when it needs it. */
const shellWord = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
