// `chathub attachment usage`: attachment storage per user against attachments.quotaBytesPerUser, and
// the hub's total against attachments.maxTotalBytes.
import { Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'
import { plural } from '#cli/format'
import type { UserUsage } from '#core/attachments/queries'

export interface UsageReport {
  /** 0: unlimited. */
  quotaBytesPerUser: number
  /** 0: unlimited. */
  maxTotalBytes: number
  total: { uploads: number; files: number; bytes: number }
  users: (UserUsage & { overQuota: boolean })[]
}

export default class AttachmentUsage extends ChathubCommand {
  static override summary = 'show attachment storage per user against the quota'
  static override description =
    'Every user with attachments, biggest first: uploads, uploads not sent in any message yet (they expire), and ' +
    'bytes against attachments.quotaBytesPerUser (each upload counts, even of bytes the hub stores once). The ' +
    'total counts distinct files, as attachments.maxTotalBytes does.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user alice --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...dataFlags,
    user: Flags.string({ summary: 'only this user (shown even without attachments)' }),
  }

  async run(): Promise<UsageReport> {
    const { flags } = await this.parse(AttachmentUsage)
    const { withHubDb } = await import('#cli/hub-data')
    const { usageByUser, usageTotals } = await import('#core/attachments/queries')
    const { formatBytes } = await import('#core/attachments/errors')
    const { requireUser } = await import('#core/users/queries')
    const report = await withHubDb(flags, (db, config): UsageReport => {
      const userId = flags.user === undefined ? undefined : requireUser(db, flags.user).id
      const { quotaBytesPerUser, maxTotalBytes } = config.attachments
      return {
        quotaBytesPerUser,
        maxTotalBytes,
        total: usageTotals(db),
        users: usageByUser(db, userId).map((u) => ({
          ...u,
          overQuota: quotaBytesPerUser > 0 && u.bytes > quotaBytesPerUser,
        })),
      }
    })
    const quota = report.quotaBytesPerUser
    const share = (bytes: number, limit: number) =>
      limit > 0 ? `${formatBytes(limit)} (${((bytes / limit) * 100).toFixed(1)}%)` : 'unlimited'
    if (report.users.length === 0) this.log('no attachments yet')
    else this.log(`${'user'.padEnd(24)} ${'uploads'.padStart(7)} ${'unsent'.padStart(7)} ${'stored'.padStart(10)}  quota`)
    for (const u of report.users) {
      const line = `${u.user.padEnd(24)} ${String(u.uploads).padStart(7)} ${String(u.unsent).padStart(7)} ${formatBytes(u.bytes).padStart(10)}  ${share(u.bytes, quota)}${u.overQuota ? '  over quota' : ''}`
      this.log(line)
    }
    const { total } = report
    const limit = report.maxTotalBytes > 0 ? ` of ${share(total.bytes, report.maxTotalBytes)}` : ' (no hub-wide limit)'
    this.log(`hub: ${plural(total.uploads, 'upload')}, ${plural(total.files, 'distinct file')}, ${formatBytes(total.bytes)}${limit}`)
    return report
  }
}
