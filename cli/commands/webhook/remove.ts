// `chathub webhook remove ID`: delete an incoming webhook; its URL stops working at once (401) and
// the running hub stops its link.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { HookListing } from '#plugins/webhooks/admin'

export default class WebhookRemove extends ChathubCommand {
  static override summary = 'remove an incoming webhook: its URL stops working at once'
  static override examples = ['<%= config.bin %> <%= command.id %> Xb2kQ9wLm0aZ']
  static override enableJsonFlag = true
  static override args = {
    id: Args.string({
      description: 'webhook id, as `chathub webhook list` shows it',
      required: true,
    }),
  }
  static override flags = { ...dataFlags }

  async run(): Promise<HookListing> {
    const { args, flags } = await this.parse(WebhookRemove)
    const { withAdmin } = await import('#cli/hub-data')
    const { NETWORKS, pluginConfig } = await import('#cli/bridge-targets')
    const { effectiveLinks } = await import('#core/bridges/queries')
    const { removeHook } = await import('#plugins/webhooks/admin')
    const removed = await withAdmin(flags, (admin, db, config) => {
      const net = NETWORKS.webhook
      const configured = (net && pluginConfig(config, net)?.links) || []
      return admin.pluginChange('webhooks', () => {
        const hook = removeHook(db, args.id)
        // Its link goes too (the route already refuses the URL: the hook row is gone).
        const inForce = effectiveLinks(db, 'webhook', configured)
        if (inForce.some((l) => l.room === hook.room && l.target === hook.target)) {
          admin.unlinkBridge(
            hook.room,
            hook.target,
            configured.some((l) => l.room === hook.room && l.target === hook.target),
          )
        }
        return hook
      }, {}, (hook) => ({ action: 'removed', target: hook.room, detail: { id: hook.id } }))
    })
    this.log(
      `removed webhook ${removed.id} ("${removed.name}" in ${removed.room}); its URL no longer works`,
    )
    return removed
  }
}
