// `chathub webhook list [ROOM]`: the incoming webhooks (of one room, or all): id, room, name, last use.
import { Args } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { HookListing } from '#plugins/webhooks/admin'

export default class WebhookList extends ChathubCommand {
  static override summary = 'list incoming webhooks (id, room, name, created, last used)'
  static override description =
    'The URLs themselves are not shown: their secrets are stored hashed. Remove a hook with `chathub webhook remove ID`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> general --json',
  ]
  static override enableJsonFlag = true
  static override args = { room: Args.string({ description: 'only this hub room' }) }
  static override flags = { ...dataFlags }

  async run(): Promise<HookListing[]> {
    const { args, flags } = await this.parse(WebhookList)
    const { withHubDb } = await import('#cli/hub-data')
    const { listHooks } = await import('#plugins/webhooks/admin')
    const hooks = await withHubDb(flags, (db) => listHooks(db, args.room))
    if (hooks.length === 0) {
      this.log(
        `no incoming webhooks${args.room ? ` in ${args.room}` : ''}; create one with \`chathub webhook create ROOM\``,
      )
    }
    for (const h of hooks) {
      const used = h.lastUsedAt ? `last used ${h.lastUsedAt}` : 'never used'
      this.log(`${h.id}  ${h.room.padEnd(16)} ${h.name.padEnd(16)} created ${h.createdAt}, ${used}`)
    }
    return hooks
  }
}
