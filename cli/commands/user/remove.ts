// `chathub user remove`: delete an account; a running hub closes its open connections. Its messages
// stay, anonymised (shown as from ~deleted), or with --erase are deleted for good (and their files
// swept at once). With the totp plugin enabled, the acting admin (--as) proves a fresh code first
// (step-up, audited).
import { Args, Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'

export interface UserRemoved {
  name: string
  removed: true
  /** Whether the messages were deleted (--erase) or kept, anonymised. */
  erased: boolean
  /** Messages kept (anonymised) or erased. */
  messages: number
  /** Messages per room. */
  rooms: Record<string, number>
  /** Attachments deleted (--erase) or kept with the anonymised messages. */
  attachments: number
  /** --erase: bytes of files freed by the attachment sweep that follows. */
  bytesFreed?: number
}

export default class UserRemove extends ChathubCommand {
  static override summary = 'delete a user account and end its sessions'
  static override description =
    'Works on the data directory, also while the hub runs. The messages the account sent stay, anonymised: ' +
    'their sender becomes "~deleted" (the text stays; nothing links them to the name any more). With --erase ' +
    'they are deleted for good instead, with their attachments (files included), reactions, search entries and ' +
    'bridge ledger rows; clients no longer get them in history. Either way the account\'s sessions, ' +
    'memberships, reactions, read markers and unsent uploads are deleted, and the audit log records it ' +
    '(user.removed, and user.erased with the counts). When plugins.totp is enabled, name the acting admin ' +
    'with --as; if that admin has two-factor login, give a current code (or recovery code) with --code, unless ' +
    'one was entered within plugins.totp.stepUpMinutes. The step-up is written to the audit log.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --erase --data-dir ./data',
    '<%= config.bin %> <%= command.id %> bob --as alice --code 123456',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'user name', required: true }) }
  static override flags = {
    ...dataFlags,
    as: Flags.string({
      summary: 'the admin doing the removal (step-up is checked for this account)',
    }),
    code: Flags.string({ summary: 'a current code (or recovery code) of the --as admin' }),
    erase: Flags.boolean({
      summary: 'delete the messages the account sent (with their attachments), instead of keeping them anonymised',
    }),
  }

  async run(): Promise<UserRemoved> {
    const { args, flags } = await this.parse(UserRemove)
    const { join } = await import('node:path')
    const { withAdmin } = await import('#cli/hub-data')
    const { requireUser } = await import('#core/users/queries')
    const { ChatError, coreErrors } = await import('#core/errors')
    const result = await withAdmin(flags, async (adminService, db, config): Promise<UserRemoved> => {
      requireUser(db, args.name) // a missing user fails before a code is spent
      const totp = config.plugins.totp
      if (totp !== undefined && totp.enabled !== false) {
        if (!flags.as) {
          throw new ChatError(
            'TOTP_STEP_UP_REQUIRED',
            'Two-factor login is enabled on this hub: name the acting admin with --as NAME (and their current code with --code).',
            403,
          )
        }
        const admin = requireUser(db, flags.as)
        if (!admin.isAdmin) throw coreErrors.adminRequired()
        const { openTotpDataDir } = await import('#cli/commands/totp/reset')
        // Not inside the removal's transaction: a wrong code must stay counted (lock-out) when the
        // removal does not happen.
        const service = await openTotpDataDir(adminService, db, config)
        service.requireFreshCode(
          { id: admin.id, name: admin.name, admin: true },
          { action: 'user.remove', ...(flags.code !== undefined ? { code: flags.code } : {}) },
        )
      }
      const removal = await adminService.removeUser(args.name, { erase: flags.erase })
      const done: UserRemoved = {
        name: removal.user.name,
        removed: true,
        erased: removal.erased,
        messages: removal.messages,
        rooms: removal.rooms,
        attachments: removal.attachments,
      }
      if (!removal.erased || removal.attachments === 0) return done
      // Their files go now rather than at the hub's next attachment sweep.
      const { AttachmentStore } = await import('#core/attachments/storage')
      const store = new AttachmentStore(join(config.dataDir, 'attachments'))
      const ttlMs = config.attachments.unlinkedTtlMinutes * 60_000
      const swept = await adminService.pruneAttachments(store, { now: Date.now(), unlinkedTtlMs: ttlMs })
      return { ...done, bytesFreed: swept.bytesFreed }
    })
    const messages = plural(result.messages, 'message')
    const where = plural(Object.keys(result.rooms).length, 'room')
    if (result.messages === 0) this.log(`removed ${result.name}`)
    else if (result.erased) this.log(`removed ${result.name} and erased their ${messages} in ${where}`)
    else {
      const stay = result.messages === 1 ? 'stays' : 'stay'
      this.log(`removed ${result.name}; their ${messages} ${stay}, shown as from ~deleted (--erase deletes them)`)
    }
    return result
  }
}
