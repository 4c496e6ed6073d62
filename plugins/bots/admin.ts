// Admin actions on the data directory (for the CLI, also while the hub runs): enable or disable a
// bot through admin.json, which a running bots plugin watches.
import { botsErrors } from './errors.ts'
import { readAdmin, writeAdmin } from './state-files.ts'

/** Record an admin's enable/disable; a running hub applies it within moments. */
export const setBotEnabled = (dataDir: string, configured: readonly string[], name: string, enabled: boolean): void => {
  if (!configured.includes(name)) throw botsErrors.notFound(name)
  const admin = readAdmin(dataDir)
  const disabled = new Set(admin.disabled)
  if (enabled) disabled.delete(name)
  else disabled.add(name)
  writeAdmin(dataDir, {
    disabled: [...disabled].sort(),
    enabledAt: enabled ? { ...admin.enabledAt, [name]: Date.now() } : admin.enabledAt,
  })
}
