// `chathub stego key list`: the rooms with a stored stego passphrase (never the passphrases).
import { ChathubCommand } from '#cli/base-command'

export default class StegoKeyList extends ChathubCommand {
  static override summary = 'list the rooms that have a stored stego passphrase'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override enableJsonFlag = true

  async run(): Promise<{ rooms: string[] }> {
    const { readCredentials } = await import('#cli/credentials')
    const rooms = Object.keys(readCredentials()?.roomKeys ?? {}).sort()
    if (rooms.length === 0) this.log('no room passphrases kept; add one with `chathub stego key set --room R`')
    for (const room of rooms) this.log(room)
    return { rooms }
  }
}
