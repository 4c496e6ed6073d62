// `chathub chat`: an interactive chat in a room or a direct conversation, in a plain terminal or fed
// through a pipe.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class Chat extends ChathubCommand {
  static override summary = 'chat in a room or with one user from the terminal'
  static override description =
    'Shows the recent messages, then new ones as they arrive, who is typing and who is online. Each line ' +
    'you type is sent; /quit leaves. With stdin from a pipe, every line is sent and the chat ends at EOF ' +
    'once the hub has acked them all. With --dm USER the chat is the direct conversation with USER ' +
    '(opened if needed; only the two of you can read it).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general',
    '<%= config.bin %> <%= command.id %> --dm bob',
    "printf 'deploy started\\ndeploy done\\n' | <%= config.bin %> <%= command.id %> --room ops",
  ]
  static override flags = {
    room: Flags.string({
      summary: 'room to chat in (joined if needed)',
      char: 'r',
      exactlyOne: ['room', 'dm'],
    }),
    dm: Flags.string({
      summary: 'chat with this user in your direct conversation instead',
      exactlyOne: ['room', 'dm'],
    }),
    history: Flags.integer({
      summary: 'recent messages to show first',
      default: 20,
      min: 0,
      max: 200,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Chat)
    const { connectStored } = await import('#cli/credentials')
    const { runChat } = await import('#cli/chat-session')
    const { client } = await connectStored()
    try {
      const target =
        flags.dm === undefined
          ? { room: flags.room ?? '' }
          : await client.openDirect(flags.dm).then((ack) => ({ room: ack.room, peer: ack.user }))
      await runChat(client, {
        ...target,
        history: flags.history,
        input: process.stdin,
        output: process.stdout,
        print: (line) => this.log(line),
      })
    } finally {
      await client.close()
    }
  }
}
