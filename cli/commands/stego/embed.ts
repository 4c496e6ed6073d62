// `chathub stego embed IN OUT`: hide a text or a small file in an image under a passphrase; the
// result is a lossless PNG without metadata. Runs entirely on this machine.
import { existsSync, writeFileSync } from 'node:fs'
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { plural } from '#cli/format'
import { progressLine } from '#cli/progress'
import { stegoCliErrors } from '#cli/stego-errors'
import { downscaleFlag, passphraseFlags, readInput, readPassphrase, readPayload } from '#cli/stego-input'
import { embedWarnings } from '#cli/stego-output'

export interface EmbedView {
  out: string
  payloadBytes: number
  maxBytes: number
  safeBytes: number
  changeRate: number
  overSafe: boolean
  jpegRisk: boolean
  width: number
  height: number
  warnings: string[]
}

export default class StegoEmbed extends ChathubCommand {
  static override summary = 'hide a message or a file in an image (writes a lossless PNG)'
  static override description =
    'The passphrase comes from --passphrase-file, --passphrase-env or a prompt (asked twice), never from ' +
    'a plain flag. Above the safe size the command warns; above the capacity it fails with ' +
    'STEGO_PAYLOAD_TOO_LARGE. Check the result with `chathub stego analyze`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> photo.png out.png --message "meet at noon"',
    '<%= config.bin %> <%= command.id %> photo.jpg out.png --message-file note.txt --passphrase-file ~/.secret --downscale 0.75',
    'PASS=… <%= config.bin %> <%= command.id %> photo.png out.png --file plan.pdf --passphrase-env PASS --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    in: Args.string({ description: 'cover image (PNG, JPEG, WebP, GIF, TIFF)', required: true }),
    out: Args.string({ description: 'output PNG', required: true }),
  }
  static override flags = {
    message: Flags.string({ summary: 'text to hide', exactlyOne: ['message', 'message-file', 'file'] }),
    'message-file': Flags.string({ summary: 'hide the text of this file' }),
    file: Flags.string({ summary: 'hide this file (name and bytes)' }),
    ...passphraseFlags,
    downscale: downscaleFlag,
    force: Flags.boolean({ summary: 'overwrite OUT if it exists' }),
  }

  async run(): Promise<EmbedView> {
    const { args, flags } = await this.parse(StegoEmbed)
    const { embedInFile } = await import('#plugins/stego/files')
    if (existsSync(args.out) && !flags.force) throw stegoCliErrors.outputExists(args.out)
    const cover = readInput(args.in)
    const payload = readPayload(flags)
    const passphrase = await readPassphrase(flags, { confirm: true })
    const progress = progressLine(!this.jsonEnabled())
    let result
    try {
      result = await embedInFile(cover, payload, passphrase, {
        ...(flags.downscale === undefined ? {} : { downscale: Number(flags.downscale) }),
        onProgress: progress.onProgress,
      })
    } finally {
      progress.done()
    }
    writeFileSync(args.out, result.png)
    const view: EmbedView = {
      out: args.out,
      payloadBytes: result.payloadBytes,
      maxBytes: result.capacity.maxBytes,
      safeBytes: result.capacity.safeBytes,
      changeRate: result.changeRate,
      overSafe: result.overSafe,
      jpegRisk: result.jpegRisk,
      width: result.width,
      height: result.height,
      warnings: embedWarnings({ ...result, safeBytes: result.capacity.safeBytes }),
    }
    for (const w of view.warnings) this.warn(w)
    this.log(
      `hid ${plural(view.payloadBytes, 'byte')} in ${view.out} (${view.width}×${view.height}); ` +
        `${(view.changeRate * 100).toFixed(3)}% of samples changed; capacity ${plural(view.maxBytes, 'byte')}, safe ${view.safeBytes}`,
    )
    return view
  }
}
