// Opening the hub's data directory from the CLI: the same config resolution as `serve`, then the database
// (to read), or the admin service on it (to write: running hubs apply what it writes).
import { join } from 'node:path'
import type { AdminService } from '#core/admin/admin-service'
import { type HubConfig, loadConfig } from '#core/config'
import { type Db, DB_FILE, openDb } from '#core/db/client'

export const resolveHubConfig = (flags: { config?: string; 'data-dir'?: string }): HubConfig =>
  loadConfig({
    file: flags.config,
    overrides: flags['data-dir'] ? { dataDir: flags['data-dir'] } : {},
  }).config

/** The hub's database file, as `serve` would open it. */
export const hubDbFile = (config: HubConfig): string => join(config.dataDir, DB_FILE)

/** Run `fn` with the hub database open (WAL: safe while the hub runs), closing it afterwards. */
export const withHubDb = async <T>(
  flags: { config?: string; 'data-dir'?: string },
  fn: (db: Db, config: HubConfig) => T | Promise<T>,
): Promise<T> => {
  const config = resolveHubConfig(flags)
  const db = openDb(hubDbFile(config), { synchronous: config.db.synchronous })
  try {
    return await fn(db, config)
  } finally {
    db.$client.close()
  }
}

/**
 * Run `fn` with the admin service on the hub database: every admin command writes through it, so that
 * a running hub applies the change (change feed). `db` is for the reads around the write.
 */
export const withAdmin = <T>(
  flags: { config?: string; 'data-dir'?: string },
  fn: (admin: AdminService, db: Db, config: HubConfig) => T | Promise<T>,
): Promise<T> =>
  withHubDb(flags, async (db, config) => {
    const { AdminService } = await import('#core/admin/admin-service')
    return fn(new AdminService(db), db, config)
  })
