// The hub's periodic retention sweep: every retention.sweepIntervalSeconds (0: never; core/periodic.ts).
// When it deleted attachment rows, an attachment sweep follows at once, so that their files leave the
// disk now rather than at the next attachment sweep.
import { sweepAttachments } from '#core/attachments/sweep'
import type { AttachmentStore } from '#core/attachments/storage'
import type { Hub } from '#core/hub'
import { type PeriodicJob, startPeriodic } from '#core/periodic'
import { sweepRetention } from './sweep.ts'

export const startRetentionSweeper = (
  hub: Hub,
  store: AttachmentStore,
  now: () => number = Date.now,
): PeriodicJob =>
  startPeriodic(hub.config.retention.sweepIntervalSeconds, async (signal) => {
    try {
      const defaultDays = hub.config.retention.days
      const report = await sweepRetention(hub.db, { now: now(), defaultDays, actor: 'hub', signal })
      if (report.messages === 0) {
        hub.log.debug('retention swept, nothing to delete')
        return
      }
      const rooms = Object.fromEntries(report.rooms.map((r) => [r.room, r.messages]))
      hub.log.info(
        { messages: report.messages, attachments: report.attachments, rooms },
        'retention swept',
      )
      if (report.attachments === 0 || signal.aborted) return
      const files = await sweepAttachments(hub.db, store, {
        now: now(),
        unlinkedTtlMs: hub.config.attachments.unlinkedTtlMinutes * 60_000,
        // As the attachment sweeper does: a `say` accepted a moment ago links its uploads first.
        beforeDelete: () => hub.pipeline.flush(),
        signal,
      })
      hub.log.info(files, 'attachments swept')
    } catch (err) {
      hub.log.error({ err }, 'retention sweep failed')
    }
  })
