// `chathub devices`: your devices for end-to-end encrypted rooms (docs/e2e.md) — each CLI home and
// browser is one, with its own keys — and whether your other devices trust each (first device, or
// vouched for by a trusted one). This CLI home is marked; it registers the first time it is needed.
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import type { DeviceView } from '#core/protocol/messages'

export interface DeviceListing extends DeviceView {
  /** This CLI home's device. */
  current: boolean
  /** first_use (the account's first device), vouched, or unvouched (not added to rooms). */
  status: string
  /** A short form of the key to compare between devices (`chathub devices vouch`). */
  fingerprint: string
}

export default class Devices extends ChathubCommand {
  static override summary = 'list your devices for end-to-end encrypted rooms'
  static override description =
    'A device other than your first is added to your encrypted rooms only once one of your trusted devices vouched ' +
    'for it: run `chathub devices vouch ID` there after comparing the fingerprint.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --user bob --json']
  static override enableJsonFlag = true
  static override flags = {
    user: Flags.string({ summary: "another user's devices (what your devices check before adding them)" }),
  }

  async run(): Promise<DeviceListing[]> {
    const { flags } = await this.parse(Devices)
    const { withClient } = await import('#cli/hub-client')
    const { assessDevices } = await import('#core/client/e2e/trust')
    const { fingerprint } = await import('#core/client/e2e/fingerprint')
    const listing = await withClient(async (client, creds, { e2e, store }) => {
      const user = flags.user ?? creds.user
      if (user === creds.user) await e2e.enable()
      const own = await store.loadDevice()
      const { devices } = await client.request('devices', { user })
      const assessed = await assessDevices(user, devices, await store.loadPins(user))
      return Promise.all(
        devices.map(async (d): Promise<DeviceListing> => ({
          ...d,
          current: user === creds.user && d.device === own?.id,
          status: assessed.find((a) => a.device === d.device)?.status ?? 'unvouched',
          fingerprint: await fingerprint(d.key),
        })),
      )
    })
    if (listing.length === 0) this.log('no devices registered yet')
    for (const d of listing) {
      const by = d.vouch ? ` by ${d.vouch.by}` : ''
      this.log(`${d.device}  ${d.fingerprint}  ${(d.status + by).padEnd(32)} ${d.name}${d.current ? '  (this device)' : ''}`)
    }
    return listing
  }
}
