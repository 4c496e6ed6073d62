// `chathub stego extract IN`: recover what is hidden in an image under a passphrase.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { progressLine } from '#cli/progress'
import { passphraseFlags, readInput, readPassphrase } from '#cli/stego-input'
import { type RevealedView, showPayload } from '#cli/stego-output'

export default class StegoExtract extends ChathubCommand {
  static override summary = 'recover a hidden message or file from an image'
  static override description =
    'A wrong passphrase, an image with nothing hidden and a re-encoded image all give STEGO_NO_MESSAGE. ' +
    'Hidden text is printed (or written to --out); a hidden file is written to --out, or to its own ' +
    'name in the current folder.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> out.png',
    '<%= config.bin %> <%= command.id %> out.png --passphrase-file ~/.secret --out note.txt',
    '<%= config.bin %> <%= command.id %> out.png --passphrase-env PASS --json',
  ]
  static override enableJsonFlag = true
  static override args = { in: Args.string({ description: 'image with a hidden message', required: true }) }
  static override flags = {
    out: Flags.string({ summary: 'write the hidden text or file here' }),
    force: Flags.boolean({ summary: 'overwrite the output file if it exists' }),
    ...passphraseFlags,
  }

  async run(): Promise<RevealedView> {
    const { args, flags } = await this.parse(StegoExtract)
    const { extractFromFile } = await import('#plugins/stego/files')
    const bytes = readInput(args.in)
    const passphrase = await readPassphrase(flags)
    const progress = progressLine(!this.jsonEnabled())
    let payload
    try {
      payload = await extractFromFile(bytes, passphrase, { onProgress: progress.onProgress })
    } finally {
      progress.done()
    }
    return showPayload(this, payload, flags)
  }
}
