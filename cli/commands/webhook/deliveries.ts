// `chathub webhook deliveries ROOM`: the outgoing webhook delivery log of a room, newest first.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { DeliveryListing } from '#plugins/webhooks/admin'

export default class WebhookDeliveries extends ChathubCommand {
  static override summary =
    'show the outgoing webhook deliveries of a room (status, attempts, last error)'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general',
    '<%= config.bin %> <%= command.id %> general --limit 200 --json',
  ]
  static override enableJsonFlag = true
  static override args = { room: Args.string({ description: 'hub room', required: true }) }
  static override flags = {
    ...dataFlags,
    limit: Flags.integer({ summary: 'how many deliveries', default: 50, min: 1, max: 10000 }),
  }

  async run(): Promise<DeliveryListing[]> {
    const { args, flags } = await this.parse(WebhookDeliveries)
    const { withHubDb } = await import('#cli/hub-data')
    const { listDeliveries } = await import('#plugins/webhooks/admin')
    const rows = await withHubDb(flags, (db) => listDeliveries(db, args.room, flags.limit))
    if (rows.length === 0) this.log(`no webhook deliveries for ${args.room} yet`)
    for (const d of rows) {
      const http = d.httpStatus === null ? '' : ` HTTP ${d.httpStatus}`
      const error = d.lastError && d.status !== 'delivered' ? ` (${d.lastError})` : ''
      this.log(
        `${d.at}  #${d.seq}  ${d.status.padEnd(9)} ${plural(d.attempts, 'attempt')}${http}  ${d.url}${error}`,
      )
    }
    return rows
  }
}
