// `chathub audit [--user NAME]`: list the audit log (admin, on the data directory).
import { Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import type { AuditRecord } from '#core/audit/audit-log'

export default class Audit extends ChathubCommand {
  static override summary = 'list the audit log (oldest first)'
  static override description =
    'Security events (two-factor enrolment, failures, lock-outs, resets, recovery-code use, step-up, ...), ' +
    'read from the data directory. `chathub audit verify` checks the hash chain.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user bob --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...dataFlags,
    user: Flags.string({ summary: 'only rows where this user is the actor or the target' }),
    limit: Flags.integer({ summary: 'at most this many rows', min: 1 }),
  }

  async run(): Promise<AuditRecord[]> {
    const { flags } = await this.parse(Audit)
    const { withHubDb } = await import('#cli/hub-data')
    const { listAudit } = await import('#core/audit/audit-log')
    const rows = await withHubDb(flags, (db) =>
      listAudit(db, { ...(flags.user ? { user: flags.user } : {}), ...(flags.limit ? { limit: flags.limit } : {}) }),
    )
    if (rows.length === 0) this.log('no audit rows')
    for (const r of rows) {
      const detail = r.detail ? ` ${JSON.stringify(r.detail)}` : ''
      this.log(`${String(r.id).padStart(6)} ${new Date(r.at).toISOString()} ${r.actor} ${r.action}${r.target ? ` ${r.target}` : ''}${detail}`)
    }
    return rows
  }
}
