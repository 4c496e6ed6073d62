// `chathub bot test FILE --say TEXT`: run a bot offline against an in-memory room and print what it
// answered (the harness bot authors use in their own tests, with a virtual clock).
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import type { TranscriptLine } from '#plugins/bots/harness'

export default class BotTest extends ChathubCommand {
  static override summary = 'run a bot offline and print its answers'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bots/echo.ts --say "!echo hi"',
    '<%= config.bin %> <%= command.id %> bots/remind.ts --say "/remind 10m tea" --advance 10m',
    '<%= config.bin %> <%= command.id %> bots/poll.ts --say "/poll \\"Lunch?\\" a b" --say "/vote 1" --as bob --json',
    '<%= config.bin %> <%= command.id %> bots/echo.ts --dm --say "ping" --as bob',
  ]
  static override enableJsonFlag = true
  static override args = { file: Args.string({ description: 'bot script (.ts or .js)', required: true }) }
  static override flags = {
    say: Flags.string({ summary: 'a line to say (repeatable; /commands work)', multiple: true, required: true }),
    as: Flags.string({ summary: 'who says it', default: 'alice' }),
    room: Flags.string({ summary: 'the room', default: 'lobby' }),
    dm: Flags.boolean({ summary: 'say the lines to the bot in a direct conversation (as --as) instead of in --room' }),
    advance: Flags.string({ summary: 'then move the virtual clock (e.g. 10m, 1h)' }),
    'fetch-allow': Flags.string({ summary: 'hosts fetch() may reach, comma-separated' }),
  }

  async run(): Promise<{ transcript: TranscriptLine[]; faults: { kind: string; message: string }[] }> {
    const { args, flags } = await this.parse(BotTest)
    const { BotHarness } = await import('#plugins/bots/harness')
    const { BotFault } = await import('#plugins/bots/sandbox')
    let h
    try {
      h = await BotHarness.load(args.file, {
        rooms: [flags.room],
        fetchAllow: flags['fetch-allow']?.split(',').filter(Boolean) ?? [],
      })
    } catch (err) {
      const { ChatError } = await import('#core/errors')
      if (err instanceof BotFault) throw new ChatError('BOTS_FILE_INVALID', `${args.file} cannot be loaded: ${err.message}`)
      throw err
    }
    try {
      for (const line of flags.say) {
        if (flags.dm) await h.dm(line, { as: flags.as })
        else await h.say(line, { as: flags.as, room: flags.room })
      }
      if (flags.advance) await h.advance(flags.advance)
      this.log(h.format())
      for (const f of h.faults) this.warn(`the bot was stopped (${f.kind}): ${f.message}`)
      for (const l of h.logs) this.log(`  log: ${l}`)
      return { transcript: h.transcript, faults: h.faults }
    } finally {
      h.close()
    }
  }
}
