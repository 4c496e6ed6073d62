// `chathub retention sweep`: one retention sweep on the data directory (the one the hub runs every
// retention.sweepIntervalSeconds), then the attachment sweep that removes the files of what it deleted.
// Safe while the hub runs: short write transactions, and running hubs learn what went (change feed).
import { Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { RetentionReport } from '#core/retention/sweep'

export interface RetentionSweepResult extends RetentionReport {
  /** Stored files and thumbnails removed by the attachment sweep that followed (0 in a dry run). */
  files: number
  thumbnails: number
  bytesFreed: number
}

export default class RetentionSweep extends ChathubCommand {
  static override summary = "delete the messages older than their room's retention, now"
  static override description =
    'Deletes, in every room whose retention is not "forever" (its own, set with `chathub room set ROOM ' +
    "--retention`, or the hub's retention.days), the messages older than that many days: for good, with " +
    'their attachments (and files), reactions, mentions, search entries and bridge ledger rows. The hub does ' +
    'the same every retention.sweepIntervalSeconds; this command is for cron (with sweepIntervalSeconds: 0) ' +
    'or to see what would go (--dry-run). Safe while the hub runs: the rows go in short write transactions, ' +
    'and its clients no longer get them in history. Each sweep that deletes something is in the audit log ' +
    '(retention.swept, with the counts per room).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
    'CHATHUB_RETENTION_DAYS=365 <%= config.bin %> <%= command.id %>',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...dataFlags,
    'dry-run': Flags.boolean({ summary: 'count what would be deleted; delete nothing' }),
  }

  async run(): Promise<RetentionSweepResult> {
    const { flags } = await this.parse(RetentionSweep)
    const { join } = await import('node:path')
    const { withAdmin } = await import('#cli/hub-data')
    const { AttachmentStore } = await import('#core/attachments/storage')
    const { formatBytes } = await import('#core/attachments/errors')
    const dryRun = flags['dry-run']
    const result = await withAdmin(
      flags,
      async (admin, _db, config): Promise<RetentionSweepResult> => {
        const now = Date.now()
        const report = await admin.sweepRetention({
          now,
          defaultDays: config.retention.days,
          dryRun,
        })
        const none = { files: 0, thumbnails: 0, bytesFreed: 0 }
        if (dryRun || report.attachments === 0) return { ...report, ...none }
        const store = new AttachmentStore(join(config.dataDir, 'attachments'))
        const ttlMs = config.attachments.unlinkedTtlMinutes * 60_000
        const swept = await admin.pruneAttachments(store, { now, unlinkedTtlMs: ttlMs })
        return {
          ...report,
          files: swept.files,
          thumbnails: swept.thumbnails,
          bytesFreed: swept.bytesFreed,
        }
      },
    )
    if (result.checked === 0) {
      this.log(
        'nothing to delete: every room keeps its messages forever (set a retention with `chathub room set ROOM --retention 30d`, or retention.days)',
      )
      return result
    }
    if (result.messages === 0) {
      this.log(
        `nothing to delete: no message is past its room's retention (${plural(result.checked, 'room')} with one)`,
      )
      return result
    }
    const verb = dryRun ? 'would delete' : 'deleted'
    this.log(
      `${verb} ${plural(result.messages, 'message')} and ${plural(result.attachments, 'attachment')} in ${plural(result.rooms.length, 'room')}:`,
    )
    const width = Math.max(...result.rooms.map((r) => r.room.length))
    for (const r of result.rooms) {
      this.log(
        `  ${r.room.padEnd(width)}  ${plural(r.messages, 'message')} older than ${plural(r.days, 'day')}`,
      )
    }
    if (result.bytesFreed > 0)
      this.log(
        `removed ${plural(result.files, 'file')}, ${plural(result.thumbnails, 'thumbnail')}: ${formatBytes(result.bytesFreed)} freed`,
      )
    return result
  }
}
