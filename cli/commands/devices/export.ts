// `chathub devices export FILE`: this CLI home's device (its keys, groups and decrypted messages)
// sealed under a passphrase, to move it to a new machine (docs/e2e.md, "Moving to a new machine").
// The copy left here is marked moved and refuses to run: two copies of one MLS member would break
// each other's ratchets.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { exportPassphraseFlags } from '#cli/export-passphrase'

export interface ExportResult {
  file: string
  user: string
  hub: string
  device: string
  name: string
  /** The key store here, now marked moved. */
  store: string
  movedAt: number
}

export default class DevicesExport extends ChathubCommand {
  static override summary =
    'move this device to a new machine: write its keys to a passphrase-sealed file'
  static override description =
    "Writes this CLI home's device for the logged-in account (keys, encrypted rooms, what it decrypted) to FILE, " +
    'sealed with a passphrase (argon2id, AES-256-GCM; at least 12 characters), mode 0600. Import it on the new ' +
    'machine with `chathub devices import FILE`. The device must then run only there: two copies of one device ' +
    "break each other's keys, so from now on this home refuses to use it (E2E_DEVICE_MOVED). Stop any " +
    '`chathub chat` of this device first. The passphrase comes from --passphrase-file, the CHATHUB_EXPORT_PASSPHRASE ' +
    'environment variable, or a prompt.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice-laptop.chathub-device',
    '<%= config.bin %> <%= command.id %> /media/usb/alice.chathub-device --passphrase-file ~/.export-pass --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    file: Args.string({
      description: 'the file to write (refused if it exists, unless --force)',
      required: true,
    }),
  }
  static override flags = {
    ...exportPassphraseFlags,
    force: Flags.boolean({ summary: 'overwrite FILE if it exists' }),
  }

  async run(): Promise<ExportResult> {
    const { args, flags } = await this.parse(DevicesExport)
    const { exportDevice } = await import('#cli/device-move')
    const result = await exportDevice(args.file, flags)
    this.log(
      `exported device ${result.device} ("${result.name}") of ${result.user} to ${result.file} (mode 0600)`,
    )
    this.log(
      'this home no longer uses that device: on the new machine, log in and run `chathub devices import FILE`',
    )
    this.log(
      `once the new machine reads your rooms, delete ${result.store} here (it still holds the device's keys and messages)`,
    )
    return result
  }
}
