// `chathub devices import FILE`: make this CLI home the device exported with `chathub devices
// export` (docs/e2e.md, "Moving to a new machine"), for the account logged in here.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { exportPassphraseFlags } from '#cli/export-passphrase'

export interface ImportResult {
  file: string
  user: string
  device: string
  name: string
  store: string
  exportedAt: number
  /** The device this home had before, when --force replaced it. */
  replaced?: string
}

export default class DevicesImport extends ChathubCommand {
  static override summary =
    'make this home the device exported on another machine (`chathub devices export`)'
  static override description =
    'Decrypts FILE with its passphrase, checks that it is a device of the account logged in here and that the hub ' +
    "lists it, and writes it as this home's key store (mode 0600). Refused when this home already is a device of " +
    'the account (its keys would be lost), unless --force, or unless that device was exported from here ' +
    '(importing resets it). Run the device only here from now on: the old machine refuses it once exported.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice-laptop.chathub-device',
    '<%= config.bin %> <%= command.id %> /media/usb/alice.chathub-device --passphrase-file ~/.export-pass --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    file: Args.string({
      description: 'a file written by `chathub devices export`',
      required: true,
    }),
  }
  static override flags = {
    ...exportPassphraseFlags,
    force: Flags.boolean({ summary: "replace this home's own device (its keys are lost)" }),
  }

  async run(): Promise<ImportResult> {
    const { args, flags } = await this.parse(DevicesImport)
    const { importDevice } = await import('#cli/device-move')
    const result = await importDevice(args.file, flags)
    const replaced =
      result.replaced !== undefined && result.replaced !== result.device
        ? ` (replacing device ${result.replaced})`
        : ''
    this.log(
      `this home now is device ${result.device} ("${result.name}") of ${result.user}${replaced}`,
    )
    this.log(
      'it reads your encrypted rooms from where the export left off; the old machine must not run it any more',
    )
    return result
  }
}
