// `chathub bot token create NAME --rooms R1,R2`: a long-lived token scoped to rooms, for an external
// bot that connects with the client SDK (see examples/external-bot.ts). Shown once.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BotTokenCreate extends ChathubCommand {
  static override summary = 'issue a long-lived, room-scoped token for an external bot'
  static override examples = [
    '<%= config.bin %> <%= command.id %> deploybot --rooms ops,alerts',
    '<%= config.bin %> <%= command.id %> deploybot --rooms ops --data-dir ./data --json',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'bot account name (created as a bot if missing)', required: true }) }
  static override flags = {
    ...dataFlags,
    rooms: Flags.string({ summary: 'rooms the token may use, comma-separated', required: true }),
  }

  async run(): Promise<{ name: string; rooms: string[]; token: string }> {
    const { args, flags } = await this.parse(BotTokenCreate)
    const { withAdmin } = await import('#cli/hub-data')
    const { checkRoomName } = await import('#core/rooms/queries')
    const rooms = flags.rooms.split(',').map((r) => checkRoomName(r.trim()))
    const { token } = await withAdmin(flags, (admin) => admin.issueBotToken(args.name, rooms))
    this.log(`token for bot ${args.name} (rooms: ${rooms.join(', ')}); shown once, keep it secret:`)
    this.log(token)
    return { name: args.name, rooms, token }
  }
}
