// `chathub db check`: is the database file sound? SQLite's quick check (or the full integrity check),
// broken references, room deletions left unfinished, and the files' modes. Read-only: safe while the
// hub runs, and on a damaged file.
import { Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { DatabaseReport } from '#core/db/check-report'

export default class DbCheck extends ChathubCommand {
  static override summary = 'check the database file for damage'
  static override description =
    "Runs SQLite's quick check (every page of every table and index; --full also compares each index with its " +
    'table, which takes longer) and looks for broken references, room deletions left unfinished and files that ' +
    'others can read. Opens the database read-only: safe while the hub runs. Exits 1 with ' +
    'CHATHUB_STORAGE_CORRUPT when the file is damaged.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/chathub --full --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...dataFlags,
    full: Flags.boolean({
      summary: 'full integrity check (also compares indexes with their tables)',
    }),
  }

  async run(): Promise<DatabaseReport> {
    const { flags } = await this.parse(DbCheck)
    const { hubDbFile, resolveHubConfig } = await import('#cli/hub-data')
    const { checkDatabase } = await import('#core/db/check-report')
    const report = checkDatabase(hubDbFile(resolveHubConfig(flags)), flags.full ? 'full' : 'quick')
    const kib = (pages: number) => `${Math.round((pages * report.pageSize) / 1024)} KiB`
    this.log(
      `${report.file}: ${report.ok ? 'ok' : 'DAMAGED'} (${report.check} check of ${plural(report.pages, 'page')}, ${kib(report.pages)}; ${report.freePages} free)`,
    )
    for (const problem of report.problems) this.log(`  ${problem}`)
    for (const b of report.brokenReferences)
      this.log(`  broken references: ${plural(b.rows, 'row')} of ${b.table} point at missing ${b.parent}`)
    for (const d of report.pendingDeletions) {
      this.log(
        `  deletion of room ${d.room} unfinished (${plural(d.messages, 'message')} left): \`chathub serve\` finishes it at start, or \`chathub room delete ${d.room}\``,
      )
    }
    for (const f of report.files.filter((f) => f.mode !== '0600')) {
      this.log(
        `  ${f.path} has mode ${f.mode}; the hub makes it 0600 at its next start (or: chmod 600 ${f.path})`,
      )
    }
    if (!report.ok) {
      const { ChatError, coreErrors } = await import('#core/errors')
      const error = coreErrors.storageCorrupt(
        report.file,
        report.problems[0] ?? 'broken references',
      )
      throw new ChatError(error.code, error.message, error.status, { details: { report } })
    }
    return report
  }

  /** A damaged file under --json: the whole report beside the error, then exit 1. */
  protected override async catch(
    err: Error & { details?: { report?: DatabaseReport }; code?: string },
  ): Promise<unknown> {
    const report = err.details?.report
    if (report && this.jsonEnabled()) {
      this.logJson({ ...report, error: { code: err.code, message: err.message } })
      this.exit(1)
    }
    return super.catch(err)
  }
}
