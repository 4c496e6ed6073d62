// `chathub bot enable NAME`: start a bot an admin disabled, or one the hub disabled after failures.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BotEnable extends ChathubCommand {
  static override summary = 'enable a bot (also after it was disabled for failing)'
  static override examples = [
    '<%= config.bin %> <%= command.id %> remind',
    '<%= config.bin %> <%= command.id %> remind --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'bot name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; enabled: true }> {
    const { args, flags } = await this.parse(BotEnable)
    const { resolveHubConfig } = await import('#cli/hub-data')
    const { setBotEnabled } = await import('#plugins/bots/admin')
    const config = resolveHubConfig(flags)
    setBotEnabled(config.dataDir, Object.keys(config.plugins.bots?.bots ?? {}), args.name, true)
    this.log(`enabled ${args.name}; a running hub starts it within a second (see \`chathub bot list\`)`)
    return { name: args.name, enabled: true }
  }
}
