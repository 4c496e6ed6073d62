// The webhooks plugin: incoming (Slack-compatible POSTs into a room) and outgoing (signed POSTs of a
// room's messages) webhooks, on the core bridge runner.
import { checkLinks, definePlugin } from '#core/plugin-api'
import { WebhooksConfig } from './config.ts'
import { incomingRoutes } from './incoming.ts'
import { type IncomingHooks, webhookBridge, webhookCapabilities } from './webhook-bridge.ts'

export { webhookCapabilities }

export default definePlugin({
  name: 'webhooks',
  version: '0.1.0',
  description: 'incoming webhooks (Slack-style POSTs into a room) and outgoing ones (signed POSTs of its messages)',
  /** Its tables (schema.ts); `npm run db:generate:plugin -- webhooks` adds a migration here. */
  migrations: new URL('./migrations/', import.meta.url),
  config: WebhooksConfig,
  setup({ config, db, bridgeRunner, now }) {
    const hooks: IncomingHooks = new Map()
    const definition = webhookBridge(config, db, hooks)
    checkLinks(definition, config.links)
    const runner = bridgeRunner(definition, config)
    return {
      onListen({ url }) {
        runner.start(url)
      },
      routes: incomingRoutes(config, db, hooks, now),
      close: () => runner.close(),
    }
  },
})
