// `chathub bridge link ROOM TARGET`: link a room to a channel elsewhere; the running hub picks it up.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export default class BridgeLink extends ChathubCommand {
  static override summary =
    'link a room to an IRC channel or an outgoing webhook (the running hub picks it up)'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general irc:libera/#chathub',
    '<%= config.bin %> <%= command.id %> alerts webhook:https://example.org/hooks/chat --data-dir ./data',
  ]
  static override enableJsonFlag = true
  static override args = {
    room: Args.string({ description: 'hub room', required: true }),
    target: Args.string({
      description: '<network>:<address>, e.g. irc:<server>/#channel or webhook:https://...',
      required: true,
    }),
  }
  static override flags = { ...dataFlags }

  async run(): Promise<{ room: string; target: string }> {
    const { args, flags } = await this.parse(BridgeLink)
    const { withAdmin } = await import('#cli/hub-data')
    const { checkTarget } = await import('#cli/bridge-targets')
    const { requireRoom } = await import('#core/rooms/queries')
    await withAdmin(flags, (admin, db, config) => {
      requireRoom(db, args.room) // a missing room is named before a bad target
      const { configured } = checkTarget(config, args.target)
      admin.linkBridge(
        args.room,
        args.target,
        configured ? [{ room: args.room, target: args.target }] : [],
      )
    })
    this.log(
      `linked ${args.room} to ${args.target}; a running hub starts it within seconds (see \`chathub bridge list\`)`,
    )
    return { room: args.room, target: args.target }
  }
}
