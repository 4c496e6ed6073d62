// `chathub audit verify`: recompute the audit log's hash chain; an edited or deleted row fails it.
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { AuditVerdict } from '#core/audit/audit-log'

export default class AuditVerify extends ChathubCommand {
  static override summary = 'check that no audit row was edited or deleted'
  static override description =
    'Recomputes every row hash and link. Exits 1 (code CHATHUB_AUDIT_BROKEN) at the first broken row. Keep ' +
    'the printed head hash somewhere else: it also exposes a log cut short by someone with write access.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json --data-dir ./data']
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<AuditVerdict> {
    const { flags } = await this.parse(AuditVerify)
    const { withHubDb } = await import('#cli/hub-data')
    const { verifyAudit } = await import('#core/audit/audit-log')
    const { ChatError } = await import('#core/errors')
    const verdict = await withHubDb(flags, (db) => verifyAudit(db))
    if (!verdict.ok) {
      throw new ChatError(
        'CHATHUB_AUDIT_BROKEN',
        `The audit log was altered: row ${verdict.brokenAt} (${verdict.reason}) does not match the chain (${plural(verdict.rows, 'row')} read).`,
        409,
        { details: { ...verdict } },
      )
    }
    this.log(`audit log intact: ${plural(verdict.rows, 'row')}, head ${verdict.head || '(empty)'}`)
    return verdict
  }
}
