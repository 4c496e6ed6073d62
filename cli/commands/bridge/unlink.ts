// `chathub bridge unlink ROOM TARGET`: remove a link (also one from the config file); the running hub stops it.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BridgeUnlink extends ChathubCommand {
  static override summary = 'remove a bridge link (the running hub stops it)'
  static override examples = ['<%= config.bin %> <%= command.id %> general irc:libera/#chathub']
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({ description: 'hub room', required: true }),
    target: Args.string({
      description: 'the target as `chathub bridge list` shows it',
      required: true,
    }),
  }
  static override flags = { ...dataFlags }

  async run(): Promise<{ room: string; target: string }> {
    const { args, flags } = await this.parse(BridgeUnlink)
    const { withAdmin } = await import('#cli/hub-data')
    const { NETWORKS, pluginConfig } = await import('#cli/bridge-targets')
    const { splitTarget } = await import('#core/bridges/queries')
    await withAdmin(flags, (admin, _db, config) => {
      const net = NETWORKS[splitTarget(args.target).network]
      const configured = net ? (pluginConfig(config, net)?.links ?? []) : []
      admin.unlinkBridge(
        args.room,
        args.target,
        configured.some((l) => l.room === args.room && l.target === args.target),
      )
    })
    this.log(`unlinked ${args.room} from ${args.target}`)
    return { room: args.room, target: args.target }
  }
}
