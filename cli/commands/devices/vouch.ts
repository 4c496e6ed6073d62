// `chathub devices vouch ID`: this device (trusted) signs for another device of your account, after
// you compared its fingerprint on both; your contacts' devices then add it to your encrypted rooms.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { e2eRoomErrors } from '#core/e2e/errors'

export default class DevicesVouch extends ChathubCommand {
  static override summary = 'vouch for another device of yours (after comparing its fingerprint)'
  static override examples = ['<%= config.bin %> <%= command.id %> q1w2e3r4t5y6u7i8o9p0aa']
  static override enableJsonFlag = true
  static override args = { device: Args.string({ description: 'the new device id (`chathub devices`)', required: true }) }

  async run(): Promise<{ device: string; by: string }> {
    const { args } = await this.parse(DevicesVouch)
    const { withClient } = await import('#cli/hub-client')
    const { Device } = await import('#core/client/e2e/device')
    const { fromBase64 } = await import('#core/protocol/e2e')
    const ack = await withClient(async (client, creds, { e2e, store }) => {
      await e2e.enable()
      const me = Device.fromJSON(await store.loadDevice())
      const { devices } = await client.request('devices', { user: creds.user })
      const target = devices.find((d) => d.device === args.device)
      if (!target) throw e2eRoomErrors.e2eDeviceNotFound(args.device)
      const vouch = await me.vouchFor(creds.user, target.device, fromBase64(target.key))
      return client.request('vouch', { device: target.device, by: vouch.by, signature: vouch.signature })
    })
    this.log(`vouched for ${ack.device} from this device (${ack.by}); your encrypted rooms will add it`)
    return { device: ack.device, by: ack.by }
  }
}
