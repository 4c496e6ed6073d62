// `chathub room info ROOM`: a room's settings (retention too), members and bridges, with its weakest
// link in words.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface RoomInfo {
  name: string
  private: boolean
  kind: 'room' | 'direct'
  /** Direct conversations: the participants. */
  participants?: string[]
  topic: string
  members: number
  /** Days messages are kept; 0: forever; null: the hub's retention.days. */
  retentionDays: number | null
  /** The same in words, with the hub's default spelled out: `30 days`, `forever`, `hub default (forever)`. */
  retention: string
  bridges: { target: string; network: string; state: string; limitations: string[] }[]
  /** The link that carries least (most limitations), in words; null when the room is not bridged. */
  weakestLink: string | null
}

export default class RoomInfoCommand extends ChathubCommand {
  static override summary = "show a room's settings, members and bridges, with its weakest link"
  static override examples = [
    '<%= config.bin %> <%= command.id %> general',
    '<%= config.bin %> <%= command.id %> general --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = { ...dataFlags }

  async run(): Promise<RoomInfo> {
    const { args, flags } = await this.parse(RoomInfoCommand)
    const { withHubDb } = await import('#cli/hub-data')
    const { listMembers, memberCount, requireRoom } = await import('#core/rooms/queries')
    const { allLinks, limitations, NETWORKS } = await import('#cli/bridge-targets')
    const { allStatus, linkId } = await import('#core/bridges/queries')
    const { describeRetention } = await import('#core/retention/policy')
    const info = await withHubDb(flags, (db, config): RoomInfo => {
      const room = requireRoom(db, args.name)
      const status = new Map(allStatus(db).map((s) => [s.link, s.state]))
      const bridges = allLinks(db, config)
        .filter((l) => l.room === room.name)
        .map((l) => {
          const net = NETWORKS[l.network]
          return {
            target: l.target,
            network: l.network,
            state: status.get(linkId(l.room, l.target)) ?? 'not started',
            limitations: net ? limitations(net.capabilities) : [],
          }
        })
      const weakest = [...bridges].sort((a, b) => b.limitations.length - a.limitations.length)[0]
      const label = weakest ? (NETWORKS[weakest.network]?.label ?? weakest.network) : ''
      return {
        name: room.name,
        private: room.isPrivate,
        kind: room.kind,
        ...(room.kind === 'direct' ? { participants: listMembers(db, room.id).map((m) => m.user) } : {}),
        topic: room.topic,
        members: memberCount(db, room.id),
        retentionDays: room.retentionDays,
        retention: describeRetention(room.retentionDays, config.retention.days),
        bridges,
        weakestLink: weakest
          ? `bridged to ${label}: ${weakest.limitations.length > 0 ? weakest.limitations.join('; ') : 'carries everything'}`
          : null,
      }
    })
    const label = info.participants ? ` (direct, between ${info.participants.join(' and ')})` : info.private ? ' (private)' : ''
    this.log(`${info.name}${label}${info.topic ? ` — ${info.topic}` : ''}`)
    this.log(`members: ${info.members}`)
    this.log(`retention: ${info.retention}`)
    if (info.bridges.length === 0) this.log('not bridged')
    for (const b of info.bridges) this.log(`bridge: ${b.target} (${b.state})`)
    if (info.weakestLink) this.log(`weakest link: ${info.weakestLink}`)
    return info
  }
}
