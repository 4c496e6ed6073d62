// `chathub bridge list`: every bridge link (config file and run time) with its state, last error and queue.
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface BridgeListing {
  room: string
  target: string
  network: string
  /** `config`: from the config file; `cli`: added with `chathub bridge link` (or `webhook create`). */
  source: 'config' | 'cli'
  /** As last reported by the running hub; `not started` when it has not run the link yet. */
  state: string
  lastError: string | null
  queueLength: number
  dropped: number
  updatedAt: string | null
}

export default class BridgeList extends ChathubCommand {
  static override summary = 'list bridge links with their state, last error and queue length'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<BridgeListing[]> {
    const { flags } = await this.parse(BridgeList)
    const { withHubDb } = await import('#cli/hub-data')
    const { allLinks } = await import('#cli/bridge-targets')
    const { allStatus, linkId } = await import('#core/bridges/queries')
    const links = await withHubDb(flags, (db, config) => {
      const status = new Map(allStatus(db).map((s) => [s.link, s]))
      return allLinks(db, config).map((l): BridgeListing => {
        const s = status.get(linkId(l.room, l.target))
        return {
          room: l.room,
          target: l.target,
          network: l.network,
          source: l.source,
          state: s?.state ?? 'not started',
          lastError: s?.lastError ?? null,
          queueLength: s?.queueLength ?? 0,
          dropped: s?.dropped ?? 0,
          updatedAt: s ? new Date(s.updatedAt).toISOString() : null,
        }
      })
    })
    if (links.length === 0)
      this.log('no bridge links; add one with `chathub bridge link ROOM TARGET`')
    for (const l of links) {
      const queue =
        l.queueLength > 0 || l.dropped > 0
          ? `  queue ${l.queueLength}${l.dropped ? `, ${l.dropped} dropped` : ''}`
          : ''
      const error = l.lastError && l.state !== 'connected' ? `  (${l.lastError})` : ''
      this.log(`${l.room.padEnd(16)} ${l.target.padEnd(40)} ${l.state}${queue}${error}`)
    }
    return links
  }
}
