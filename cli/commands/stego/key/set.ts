// `chathub stego key set --room R`: keep a room's stego passphrase in the local credentials file
// (mode 0600) so that `send --image --hide` and `reveal` do not ask each time. Never sent anywhere.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { passphraseFlags, readPassphrase } from '#cli/stego-input'

export default class StegoKeySet extends ChathubCommand {
  static override summary = "keep a room's stego passphrase in the local credentials file"
  static override description =
    'The passphrase stays on this machine (credentials.json, mode 0600) and is used by `send --image ' +
    '--hide` and `reveal` for this room. The hub never sees it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general',
    '<%= config.bin %> <%= command.id %> --room general --passphrase-file ~/.general-key',
  ]
  static override enableJsonFlag = true
  static override flags = {
    room: Flags.string({ summary: 'room the passphrase is for', required: true, char: 'r' }),
    ...passphraseFlags,
  }

  async run(): Promise<{ room: string; file: string }> {
    const { flags } = await this.parse(StegoKeySet)
    const { checkRoomName } = await import('#core/rooms/queries')
    checkRoomName(flags.room)
    const { credentialsFile, readCredentials, writeCredentials } = await import('#cli/credentials')
    const passphrase = await readPassphrase(flags, { confirm: true, question: `Passphrase for room ${flags.room}: ` })
    const creds = readCredentials() ?? { server: '', user: '', token: '', expiresAt: null }
    writeCredentials({ ...creds, roomKeys: { ...creds.roomKeys, [flags.room]: passphrase } })
    this.log(`kept the passphrase for ${flags.room} in ${credentialsFile()}`)
    return { room: flags.room, file: credentialsFile() }
  }
}
