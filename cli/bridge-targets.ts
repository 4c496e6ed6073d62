// The bridges the CLI knows (irc, webhook): their plugin config from the hub config, target checks,
// configured links and capabilities, for `chathub bridge ...`, `chathub webhook ...` and `room info`.
import type { TSchema } from '#typebox'
import type { BridgeCapabilities } from '#core/bridges/contract'
import { bridgeErrors } from '#core/bridges/errors'
import { effectiveLinks, type LinkRef, splitTarget } from '#core/bridges/queries'
import type { HubConfig } from '#core/config'
import type { Db } from '#core/db/client'
import { ChatError } from '#core/errors'
import { compile } from '#core/schema/validator'
import { IrcConfig, ircCapabilities, parseIrcAddress } from '#plugins/irc/admin'
import { parseWebhookAddress, webhookCapabilities, WebhooksConfig } from '#plugins/webhooks/admin'

interface Network {
  /** The plugin that runs it. */
  plugin: string
  label: string
  capabilities: BridgeCapabilities
  schema: TSchema
  check(config: never, address: string): void
}

export const NETWORKS: Record<string, Network> = {
  irc: {
    plugin: 'irc',
    label: 'IRC',
    capabilities: ircCapabilities,
    schema: IrcConfig,
    check: (config: IrcConfig, address: string) => void parseIrcAddress(config, address),
  },
  webhook: {
    plugin: 'webhooks',
    label: 'webhook',
    capabilities: webhookCapabilities,
    schema: WebhooksConfig,
    check: (config: WebhooksConfig, address: string) => void parseWebhookAddress(config, address),
  },
}

/** A bridge plugin's config from the hub config, validated with defaults; undefined when not enabled. */
export const pluginConfig = (
  hub: HubConfig,
  network: Network,
): ({ links: LinkRef[] } & Record<string, unknown>) | undefined => {
  const raw = hub.plugins[network.plugin]
  if (!raw || raw.enabled === false) return undefined
  const { module: _m, enabled: _e, ...rest } = raw
  const value = structuredClone(rest)
  const checker = compile(network.schema)
  if (!checker.check(value)) {
    throw new ChatError(
      'CHATHUB_CONFIG_INVALID',
      `plugins.${network.plugin}: ${checker.problems().join('; ')}`,
      500,
    )
  }
  return value as { links: LinkRef[] } & Record<string, unknown>
}

/** Check a target against the running config (network known and enabled, address valid). */
export const checkTarget = (
  hub: HubConfig,
  target: string,
): { network: string; configured: boolean } => {
  const { network, address } = splitTarget(target)
  const net = NETWORKS[network]
  if (!net) throw bridgeErrors.networkUnknown(network)
  const config = pluginConfig(hub, net)
  if (!config) {
    throw new ChatError(
      'CHATHUB_BRIDGE_PLUGIN_DISABLED',
      `The ${net.plugin} plugin is not enabled; add plugins.${net.plugin} to the config first.`,
      400,
    )
  }
  net.check(config as never, address)
  return { network, configured: config.links.some((l) => l.target === target) }
}

/** Every link in force (config + CLI), over every enabled bridge plugin. */
export const allLinks = (
  db: Db,
  hub: HubConfig,
): (LinkRef & { network: string; source: 'config' | 'cli' })[] => {
  const out: (LinkRef & { network: string; source: 'config' | 'cli' })[] = []
  for (const [network, net] of Object.entries(NETWORKS)) {
    const config = pluginConfig(hub, net)
    const configured = config?.links ?? []
    for (const link of effectiveLinks(db, network, configured)) {
      const source = configured.some((l) => l.room === link.room && l.target === link.target)
        ? 'config'
        : 'cli'
      out.push({ ...link, network, source })
    }
  }
  return out
}

/** What a network cannot carry, in words (for `chathub room info`). */
export const limitations = (caps: BridgeCapabilities): string[] => {
  const out: string[] = []
  if (!caps.edits) out.push('edits arrive as new lines')
  if (!caps.deletes) out.push('deletes stay on the hub')
  if (!caps.threads) out.push('replies lose their thread')
  if (!caps.attachments) out.push('attachments become links')
  if (!caps.multiline) out.push('multi-line messages are split')
  if (!caps.encryption) out.push('not private')
  return out
}
