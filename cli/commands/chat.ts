// `chathub chat`: an interactive chat in one or more rooms and direct conversations, in a plain
// terminal or fed through a pipe.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import type { ChatTarget } from '#cli/chat-rooms'

export default class Chat extends ChathubCommand {
  static override summary = 'chat in rooms and with other users from the terminal'
  static override description =
    'Follows the rooms (--room, repeatable) and direct conversations (--dm USER, repeatable) you name, ' +
    'or all of yours (--all), and shows one at a time: its recent messages, then new ones as they arrive, ' +
    'who is typing and who is online. What arrives in the others is counted in the prompt (and by /rooms); ' +
    'a direct message or a mention is shown at once. /switch NAME (a room, or @USER) shows another one ' +
    '(following it from then on); /switch alone goes to the next with unread messages. Each line you type ' +
    'is sent to the room on the screen; /quit leaves. With stdin from a pipe, every line is sent and the ' +
    'chat ends at EOF once the hub has acked them all.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general',
    '<%= config.bin %> <%= command.id %> --dm bob',
    '<%= config.bin %> <%= command.id %> --room general --room ops --dm bob',
    '<%= config.bin %> <%= command.id %> --all --room ops',
    "printf 'deploy started\\ndeploy done\\n' | <%= config.bin %> <%= command.id %> --room ops",
  ]
  static override flags = {
    room: Flags.string({
      summary: 'a room to follow (joined if needed); the first named is shown first',
      char: 'r',
      multiple: true,
      atLeastOne: ['room', 'dm', 'all'],
    }),
    dm: Flags.string({
      summary: 'follow your direct conversation with this user (opened if needed)',
      multiple: true,
      atLeastOne: ['room', 'dm', 'all'],
    }),
    all: Flags.boolean({
      summary: 'follow every room you are a member of and all your direct conversations',
      atLeastOne: ['room', 'dm', 'all'],
    }),
    history: Flags.integer({
      summary: 'recent messages to show when a room first comes on the screen',
      default: 20,
      min: 0,
      max: 200,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Chat)
    const { connectStored } = await import('#cli/credentials')
    const { runChat } = await import('#cli/chat-session')
    const { cliErrors } = await import('#cli/errors')
    const { VerifiedMembers } = await import('#cli/verified-members')
    const { client, e2e, store } = await connectStored()
    try {
      const targets: ChatTarget[] = (flags.room ?? []).map((room) => ({ room }))
      for (const user of flags.dm ?? []) {
        const ack = await client.openDirect(user)
        targets.push({ room: ack.room, peer: ack.user })
      }
      if (flags.all) {
        const { rooms } = await client.rooms()
        for (const r of rooms) if (r.role !== undefined) targets.push(r.peer === undefined ? { room: r.name } : { room: r.name, peer: r.peer })
      }
      if (targets.length === 0) throw cliErrors.nothingToFollow()
      // A verified member of a followed encrypted room whose devices changed: said once, before
      // the chat starts or when the hub announces the change.
      const verified = new VerifiedMembers(client, e2e, store, (line) => this.logToStderr(line))
      for (const { room } of targets) await verified.checkRoom(room)
      client.on('devices', (f: { user: string }) => {
        void verified.checkUser(f.user).catch(() => {})
      })
      await runChat(client, {
        targets,
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
