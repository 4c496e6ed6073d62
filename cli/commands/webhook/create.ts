// `chathub webhook create ROOM [--name N]`: an incoming webhook URL (shown once) that posts into ROOM.
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

export interface CreatedWebhook {
  id: string
  room: string
  name: string
  url: string
}

export default class WebhookCreate extends ChathubCommand {
  static override summary =
    'create an incoming webhook: a secret URL that posts Slack-style JSON into a room'
  static override description =
    'POST {"text": "...", "username": "..."} to the URL; messages appear as <username>@webhook. The URL is shown once: it holds the secret, which is stored hashed.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> general',
    '<%= config.bin %> <%= command.id %> ops --name ci --json',
  ]
  static override enableJsonFlag = true
  static override args = { room: Args.string({ description: 'hub room', required: true }) }
  static override flags = {
    ...dataFlags,
    name: Flags.string({ summary: 'webhook name (the default sender name)', default: 'webhook' }),
  }

  async run(): Promise<CreatedWebhook> {
    const { args, flags } = await this.parse(WebhookCreate)
    const { withAdmin } = await import('#cli/hub-data')
    const { checkUserName } = await import('#core/users/queries')
    const { requireRoom } = await import('#core/rooms/queries')
    const { createHook } = await import('#plugins/webhooks/admin')
    const created = await withAdmin(flags, (admin, db, config) => {
      const room = requireRoom(db, args.room)
      checkUserName(flags.name)
      if (!config.plugins.webhooks || config.plugins.webhooks.enabled === false) {
        this.warn(
          'the webhooks plugin is not enabled: add plugins.webhooks to the config for this URL to work',
        )
      }
      // The hook row and its link in one transaction.
      const hook = admin.pluginChange(
        'webhooks',
        () => {
          const h = createHook(db, args.room, flags.name)
          admin.linkBridge(args.room, h.target, [])
          return h
        },
        { roomId: room.id },
        (h) => ({ action: 'created', target: h.room, detail: { id: h.id, name: h.name } }),
      )
      const base = config.server.publicUrl || `http://${config.server.host}:${config.server.port}`
      return { id: hook.id, room: hook.room, name: hook.name, url: new URL(hook.path, base).href }
    })
    this.log(
      `webhook "${created.name}" posts into ${created.room}; keep this URL secret (it is shown once):`,
    )
    this.log(created.url)
    return created
  }
}
