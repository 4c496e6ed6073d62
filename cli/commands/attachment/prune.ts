// `chathub attachment prune`: one attachment sweep on the data directory (the one the hub runs every
// attachments.sweepIntervalSeconds), safe while the hub runs.
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { SweepReport } from '#core/attachments/sweep'

export default class AttachmentPrune extends ChathubCommand {
  static override summary = 'delete expired uploads, attachments of deleted messages and unreferenced files'
  static override description =
    'Deletes uploads that no message carried within attachments.unlinkedTtlMinutes, the attachments of deleted ' +
    'messages (the messages stay as "deleted"), stored files and thumbnails nothing references any more (left by ' +
    'deleted rooms and users), and temp files of uploads abandoned over an hour ago. The hub does the same every ' +
    'attachments.sweepIntervalSeconds; this command is for cron (with sweepIntervalSeconds: 0) or for freeing ' +
    'space now. Safe while the hub runs: a file is only deleted inside a database write transaction that ' +
    'finds no reference to it, so an upload of the same bytes at that moment keeps its file.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./data --json',
    'CHATHUB_ATTACHMENTS_UNLINKED_TTL_MINUTES=30 <%= config.bin %> <%= command.id %>',
  ]
  static override enableJsonFlag = true
  static override flags = { ...dataFlags }

  async run(): Promise<SweepReport> {
    const { flags } = await this.parse(AttachmentPrune)
    const { join } = await import('node:path')
    const { withAdmin } = await import('#cli/hub-data')
    const { AttachmentStore } = await import('#core/attachments/storage')
    const { sweptAnything } = await import('#core/attachments/sweep')
    const { formatBytes } = await import('#core/attachments/errors')
    const { report, ttl } = await withAdmin(flags, async (admin, _db, config) => {
      const store = new AttachmentStore(join(config.dataDir, 'attachments'))
      const ttl = config.attachments.unlinkedTtlMinutes
      return { report: await admin.pruneAttachments(store, { now: Date.now(), unlinkedTtlMs: ttl * 60_000 }), ttl }
    })
    if (!sweptAnything(report)) this.log('nothing to prune')
    else {
      this.log(
        `deleted ${plural(report.unlinked, 'upload')} not sent within ${plural(ttl, 'minute')}, ` +
          `${plural(report.ofDeletedMessages, 'attachment')} of deleted messages`,
      )
      this.log(
        `removed ${plural(report.files, 'file')}, ${plural(report.thumbnails, 'thumbnail')}, ` +
          `${plural(report.tmp, 'temp file')}: ${formatBytes(report.bytesFreed)} freed`,
      )
    }
    return report
  }
}
