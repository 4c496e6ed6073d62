// `chathub devices remove ID`: a device of yours is gone (lost, sold): the hub forgets it and its
// KeyPackages, and your encrypted rooms remove it from their groups before anyone sends again.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'

export default class DevicesRemove extends ChathubCommand {
  static override summary = 'remove one of your devices from your account and your encrypted rooms'
  static override examples = ['<%= config.bin %> <%= command.id %> q1w2e3r4t5y6u7i8o9p0aa']
  static override enableJsonFlag = true
  static override args = { device: Args.string({ description: 'the device id (`chathub devices`)', required: true }) }

  async run(): Promise<{ device: string }> {
    const { args } = await this.parse(DevicesRemove)
    const { withClient } = await import('#cli/hub-client')
    const ack = await withClient((client) => client.request('device.remove', { device: args.device }))
    this.log(`removed device ${ack.device}`)
    return { device: ack.device }
  }
}
