// `chathub bot logs NAME`: the bot's own log lines and why it was stopped or disabled.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BotLogs extends ChathubCommand {
  static override summary = "show a bot's log (its log lines, faults, restarts)"
  static override examples = [
    '<%= config.bin %> <%= command.id %> remind',
    '<%= config.bin %> <%= command.id %> remind --lines 200 --json',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'bot name', required: true }) }
  static override flags = {
    ...dataFlags,
    lines: Flags.integer({ summary: 'how many of the last lines', default: 50, min: 1 }),
  }

  async run(): Promise<{ name: string; lines: string[] }> {
    const { args, flags } = await this.parse(BotLogs)
    const { resolveHubConfig } = await import('#cli/hub-data')
    const { tailLog } = await import('#plugins/bots/state-files')
    const lines = tailLog(resolveHubConfig(flags).dataDir, args.name, flags.lines)
    if (lines.length === 0) this.log(`no log lines for ${args.name} yet`)
    for (const line of lines) this.log(line)
    return { name: args.name, lines }
  }
}
