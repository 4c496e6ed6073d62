// `chathub stego key remove --room R`: forget a room's stored stego passphrase.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class StegoKeyRemove extends ChathubCommand {
  static override summary = "forget a room's stored stego passphrase"
  static override examples = ['<%= config.bin %> <%= command.id %> --room general']
  static override enableJsonFlag = true
  static override flags = { room: Flags.string({ summary: 'room', required: true, char: 'r' }) }

  async run(): Promise<{ room: string; removed: boolean }> {
    const { flags } = await this.parse(StegoKeyRemove)
    const { readCredentials, writeCredentials } = await import('#cli/credentials')
    const creds = readCredentials()
    const removed = creds?.roomKeys?.[flags.room] !== undefined
    if (creds && removed) {
      const { [flags.room]: _gone, ...rest } = creds.roomKeys ?? {}
      writeCredentials({ ...creds, roomKeys: rest })
    }
    this.log(removed ? `forgot the passphrase for ${flags.room}` : `no passphrase kept for ${flags.room}`)
    return { room: flags.room, removed }
  }
}
