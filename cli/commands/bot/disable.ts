// `chathub bot disable NAME`: stop a bot and keep it stopped across restarts.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BotDisable extends ChathubCommand {
  static override summary = 'disable a bot (a running hub stops it)'
  static override examples = [
    '<%= config.bin %> <%= command.id %> remind',
    '<%= config.bin %> <%= command.id %> remind --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'bot name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<{ name: string; enabled: false }> {
    const { args, flags } = await this.parse(BotDisable)
    const { resolveHubConfig } = await import('#cli/hub-data')
    const { setBotEnabled } = await import('#plugins/bots/admin')
    const config = resolveHubConfig(flags)
    setBotEnabled(config.dataDir, Object.keys(config.plugins.bots?.bots ?? {}), args.name, false)
    this.log(`disabled ${args.name} (enable with \`chathub bot enable ${args.name}\`)`)
    return { name: args.name, enabled: false }
  }
}
