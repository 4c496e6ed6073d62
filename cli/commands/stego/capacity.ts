// `chathub stego capacity IN`: how much an image can carry, and how much it carries safely.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { plural } from '#cli/format'
import { downscaleFlag, readInput } from '#cli/stego-input'

export interface CapacityView {
  maxBytes: number
  safeBytes: number
  usableSlots: number
  width: number
  height: number
  format: string
  fromJpeg: boolean
}

export default class StegoCapacity extends ChathubCommand {
  static override summary = 'show how many bytes an image can hide (maxBytes) and hide safely (safeBytes)'
  static override description =
    'maxBytes: the largest text that always fits. safeBytes: the largest that keeps the change rate low ' +
    'enough (0.05 bits per sample) that classic detectors cannot tell; see docs/stego.md.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> photo.png',
    '<%= config.bin %> <%= command.id %> photo.jpg --downscale 0.75 --json',
  ]
  static override enableJsonFlag = true
  static override args = { in: Args.string({ description: 'cover image', required: true }) }
  static override flags = { downscale: downscaleFlag }

  async run(): Promise<CapacityView> {
    const { args, flags } = await this.parse(StegoCapacity)
    const { fileCapacity } = await import('#plugins/stego/files')
    const cap = await fileCapacity(readInput(args.in), {
      ...(flags.downscale === undefined ? {} : { downscale: Number(flags.downscale) }),
    })
    const view: CapacityView = {
      maxBytes: cap.maxBytes,
      safeBytes: cap.safeBytes,
      usableSlots: cap.usableSlots,
      width: cap.width,
      height: cap.height,
      format: cap.format,
      fromJpeg: cap.fromJpeg,
    }
    if (cap.fromJpeg && flags.downscale === undefined) {
      this.warn('This is a JPEG: its block grid can betray hidden data; embed with --downscale 0.75.')
    }
    this.log(`${args.in}: ${cap.width}×${cap.height} ${cap.format}`)
    this.log(`  max  ${plural(cap.maxBytes, 'byte')}`)
    this.log(`  safe ${plural(cap.safeBytes, 'byte')} (hard to detect at or below this)`)
    return view
  }
}
