// `chathub reveal --room R --message SEQ`: download a message's image attachment and extract what
// is hidden in it, on this machine, with the room's stored passphrase or one given here.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { progressLine } from '#cli/progress'
import { stegoCliErrors } from '#cli/stego-errors'
import { passphraseFlags, readPassphrase } from '#cli/stego-input'
import { type RevealedView, showPayload } from '#cli/stego-output'

export default class Reveal extends ChathubCommand {
  static override summary = "reveal the message hidden in a chat message's image"
  static override description =
    'Downloads the image attachment of message SEQ (the first image, or --attachment N) and extracts the ' +
    'hidden text or file with the passphrase kept by `chathub stego key set`, or one from ' +
    '--passphrase-file/--passphrase-env or a prompt. STEGO_NO_MESSAGE means nothing is hidden for that passphrase.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general --message 42',
    '<%= config.bin %> <%= command.id %> --room general --message 42 --passphrase-file ~/.key --out plan.pdf',
    '<%= config.bin %> <%= command.id %> --room general --message 42 --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    room: Flags.string({ summary: 'room of the message', required: true, char: 'r' }),
    message: Flags.integer({ summary: 'sequence number of the message (as `chathub history` shows: #42)', required: true, min: 1 }),
    attachment: Flags.integer({ summary: 'which image of the message, from 1 (default: the first)', min: 1 }),
    out: Flags.string({ summary: 'write the hidden text or file here' }),
    force: Flags.boolean({ summary: 'overwrite the output file if it exists' }),
    ...passphraseFlags,
  }

  async run(): Promise<RevealedView & { room: string; seq: number; attachment: string }> {
    const { flags } = await this.parse(Reveal)
    const { requireCredentials } = await import('#cli/credentials')
    const { downloadAttachment } = await import('#core/client/sdk')
    const { coreErrors } = await import('#core/errors')
    const { extractFromFile } = await import('#plugins/stego/files')
    const creds = requireCredentials()
    const { messageOf, decryptedFile } = await import('#cli/message-of')
    const { message } = await messageOf(flags.room, flags.message)
    if (!message || message.deletedAt !== undefined || message.text === null) throw coreErrors.messageNotFound(flags.room, flags.message)
    const images = (message.attachments ?? []).filter((a) => a.mime.startsWith('image/'))
    const chosen = images[(flags.attachment ?? 1) - 1]
    if (!chosen) throw stegoCliErrors.noImage(flags.room, flags.message)

    const passphrase = await readPassphrase(flags, {
      roomKey: creds.roomKeys?.[flags.room],
      question: `Passphrase for room ${flags.room}: `,
    })
    const progress = progressLine(!this.jsonEnabled())
    let payload
    try {
      progress.phase('download')
      const bytes = chosen.e2e ? await decryptedFile(chosen) : (await downloadAttachment(creds.server, creds.token, chosen.id)).bytes
      payload = await extractFromFile(bytes, passphrase, { onProgress: progress.onProgress })
    } finally {
      progress.done()
    }
    const shown = showPayload(this, payload, flags)
    return { ...shown, room: flags.room, seq: flags.message, attachment: chosen.id }
  }
}
