// `chathub bot list`: configured bots with their state, rooms, restarts and last error (from the
// status file the running hub's bots plugin keeps in the data directory).
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { BotStatus } from '#plugins/bots/state-files'

export default class BotList extends ChathubCommand {
  static override summary = 'list bots with status, rooms, restarts and last error'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<BotStatus[]> {
    const { flags } = await this.parse(BotList)
    const { resolveHubConfig } = await import('#cli/hub-data')
    const { readAdmin, readStatus } = await import('#plugins/bots/state-files')
    const config = resolveHubConfig(flags)
    const status = readStatus(config.dataDir)
    const admin = readAdmin(config.dataDir)
    const configured = (config.plugins.bots?.bots ?? {}) as Record<string, { file?: string; rooms?: string[] }>
    const names = [...new Set([...Object.keys(configured), ...Object.keys(status.bots)])].sort()
    const bots = names.map((name): BotStatus => {
      const s = status.bots[name]
      const c = configured[name]
      const state = admin.disabled.includes(name) ? 'disabled' : !status.running ? 'stopped' : (s?.state ?? 'stopped')
      return {
        name,
        state,
        file: s?.file ?? c?.file ?? '',
        rooms: s?.rooms ?? c?.rooms ?? [],
        restarts: s?.restarts ?? 0,
        failures: s?.failures ?? 0,
        ...(s?.lastError ? { lastError: s.lastError, lastErrorAt: s.lastErrorAt } : {}),
        commands: s?.commands ?? [],
        updatedAt: s?.updatedAt ?? '',
      }
    })
    if (bots.length === 0) this.log('no bots configured; scaffold one with `chathub bot new NAME`')
    if (!status.running && bots.length > 0) this.log('(the hub is not running: states are from config)')
    for (const b of bots) {
      this.log(`${b.name.padEnd(16)} ${b.state.padEnd(9)} rooms: ${b.rooms.join(',') || '-'}  restarts: ${b.restarts}`)
      if (b.lastError) this.log(`${''.padEnd(16)} last error (${b.lastErrorAt}): ${b.lastError}`)
    }
    return bots
  }
}
