// Shared by the admin commands: the password policy of the hub config, and how accounts are shown.
import type { HubConfig } from '#core/config'
import type { User } from '#core/db/schema/users'
import type { PasswordPolicy } from '#core/users/accounts'

export const passwordPolicy = (config: HubConfig): PasswordPolicy => ({
  minPasswordLength: config.auth.minPasswordLength,
  argon2: { memoryKiB: config.auth.argon2MemoryKib, passes: config.auth.argon2Passes },
})

/** An account as the CLI prints it (never the password hash). */
export interface AccountView {
  name: string
  admin: boolean
  kind: User['kind']
  disabled: boolean
  createdAt: string
}

export const accountView = (user: User): AccountView => ({
  name: user.name,
  admin: user.isAdmin,
  kind: user.kind,
  disabled: user.disabledAt !== null,
  createdAt: user.createdAt.toISOString(),
})
