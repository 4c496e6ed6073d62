// `chathub room set NAME`: change a room's topic, privacy, read receipts or retention on the data
// directory; a running hub enforces it at once (a room made private is closed to everyone but its members
// and invitees; its retention sweeper reads the policy at each sweep).
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface RoomSettings {
  name: string
  private: boolean
  topic: string
  readReceipts: boolean
  /** Days messages are kept; 0: forever; null: the hub's retention.days. */
  retentionDays: number | null
  /** The same in words, with the hub's default spelled out: `30 days`, `forever`, `hub default (forever)`. */
  retention: string
}

export default class RoomSet extends ChathubCommand {
  static override summary = "change a room's topic, privacy, read receipts or retention"
  static override description =
    'Works on the data directory, also while the hub runs: its clients see the change at once. A room made ' +
    'private is seen and joined only by its members and the people they invite; its members stay. With read ' +
    'receipts on, members see how far each of them has read. With --retention, messages older than that many ' +
    'days are deleted for good by the hub (every retention.sweepIntervalSeconds) or `chathub retention sweep`; ' +
    'forever keeps them all, default follows the hub\'s retention.days.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general --topic "release day"',
    '<%= config.bin %> <%= command.id %> ops --private --data-dir ./data',
    '<%= config.bin %> <%= command.id %> ops --read-receipts on',
    '<%= config.bin %> <%= command.id %> general --retention 30d',
    '<%= config.bin %> <%= command.id %> legal --retention forever',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'room name', required: true }) }
  static override flags = {
    ...dataFlags,
    topic: Flags.string({ summary: 'new topic (up to 256 characters; "" clears it)' }),
    private: Flags.boolean({ summary: 'make the room private', exclusive: ['public'] }),
    public: Flags.boolean({ summary: 'make the room public', exclusive: ['private'] }),
    'read-receipts': Flags.string({ summary: 'show members how far each has read ("seen by")', options: ['on', 'off'] }),
    retention: Flags.string({
      summary: 'delete messages older than this: 30d or 30 (days), forever, or default (retention.days)',
    }),
  }

  async run(): Promise<RoomSettings> {
    const { args, flags } = await this.parse(RoomSet)
    const { withAdmin } = await import('#cli/hub-data')
    const { coreErrors } = await import('#core/errors')
    const { describeRetention, parseRetention } = await import('#core/retention/policy')
    // Before the data directory is opened: a bad value changes nothing (CHATHUB_RETENTION_INVALID).
    const retentionDays = flags.retention === undefined ? undefined : parseRetention(flags.retention)
    const isPrivate = flags.private ? true : flags.public ? false : undefined
    const readReceipts = flags['read-receipts'] === undefined ? undefined : flags['read-receipts'] === 'on'
    if (flags.topic === undefined && isPrivate === undefined && readReceipts === undefined && retentionDays === undefined) {
      throw coreErrors.inputInvalid('nothing to change; give --topic, --private, --public, --read-receipts or --retention')
    }
    const { room, retention } = await withAdmin(flags, (admin, _db, config) => {
      const room = admin.updateRoom(args.name, {
        ...(flags.topic === undefined ? {} : { topic: flags.topic }),
        ...(isPrivate === undefined ? {} : { isPrivate }),
        ...(readReceipts === undefined ? {} : { readReceipts }),
        ...(retentionDays === undefined ? {} : { retentionDays }),
      })
      return { room, retention: describeRetention(room.retentionDays, config.retention.days) }
    })
    const kept = room.retentionDays !== null || retentionDays !== undefined ? `, retention ${retention}` : ''
    this.log(
      `${room.name}: ${room.isPrivate ? 'private' : 'public'}${room.topic ? `, topic "${room.topic}"` : ', no topic'}${room.readReceipts ? ', read receipts on' : ''}${kept}`,
    )
    return {
      name: room.name,
      private: room.isPrivate,
      topic: room.topic,
      readReceipts: room.readReceipts,
      retentionDays: room.retentionDays,
      retention,
    }
  }
}
