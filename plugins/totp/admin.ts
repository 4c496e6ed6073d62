// The totp service on a hub's data directory, for the admin CLI (`chathub totp reset|status USER`,
// and step-up for `chathub user remove`): no running hub needed, same rules and audit rows.
import { Check, Default } from '#typebox'
import { type AuditEntry, ChatError, type Db } from '#core/plugin-api'
import { type TotpConfig, TotpConfigSchema } from './config.ts'
import { TotpService } from './service.ts'

export interface DataDirDeps {
  db: Db
  serverKey: Buffer
  /** `plugins.totp` from the hub config (undefined when the plugin is not enabled). */
  pluginConfig: Record<string, unknown> | undefined
  audit: (entry: AuditEntry) => void
  /** Revoke every session of a user (the running hub closes their sockets from the change feed). */
  revokeAll: (userId: number) => void
  now?: () => number
}

/**
 * The service on the data directory. When totp is not enabled in the config, its defaults apply
 * (an admin can still reset or inspect enrolments left from when it was).
 */
export const totpOnDataDir = (deps: DataDirDeps): TotpService => {
  const { module: _module, enabled: _enabled, ...raw } = deps.pluginConfig ?? {}
  const config = Default(TotpConfigSchema, structuredClone(raw)) as TotpConfig
  if (!Check(TotpConfigSchema, config)) {
    throw new ChatError('CHATHUB_CONFIG_INVALID', 'plugins.totp is invalid; `chathub serve` names the bad keys.', 500)
  }
  return new TotpService({
    db: deps.db,
    serverKey: deps.serverKey,
    config,
    now: deps.now ?? Date.now,
    audit: deps.audit,
    endSessions: (userId) => deps.revokeAll(userId),
  })
}
