// The hub's periodic attachment sweep: every attachments.sweepIntervalSeconds (0: never), on the
// timer of core/periodic.ts.
import type { Hub } from '#core/hub'
import { type PeriodicJob, startPeriodic } from '#core/periodic'
import type { AttachmentStore } from './storage.ts'
import { sweepAttachments, sweptAnything } from './sweep.ts'

export const startAttachmentSweeper = (
  hub: Hub,
  store: AttachmentStore,
  now: () => number = Date.now,
): PeriodicJob => {
  const { sweepIntervalSeconds, unlinkedTtlMinutes } = hub.config.attachments
  return startPeriodic(sweepIntervalSeconds, async (signal) => {
    try {
      const report = await sweepAttachments(hub.db, store, {
        now: now(),
        unlinkedTtlMs: unlinkedTtlMinutes * 60_000,
        // Queued messages commit first: a `say` accepted a moment ago keeps the upload it links.
        beforeDelete: () => hub.pipeline.flush(),
        signal,
      })
      if (sweptAnything(report)) hub.log.info(report, 'attachments swept')
      else hub.log.debug('attachments swept, nothing to remove')
    } catch (err) {
      hub.log.error({ err }, 'attachment sweep failed')
    }
  })
}
