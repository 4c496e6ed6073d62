// The hub's periodic attachment sweep: every attachments.sweepIntervalSeconds (0: never), one sweep at
// a time, on an unref'd timer; stop() cuts a sweep in progress short and waits for it, so that the
// database can be closed right after.
import type { Hub } from '#core/hub'
import type { AttachmentStore } from './storage.ts'
import { sweepAttachments, sweptAnything } from './sweep.ts'

export interface Sweeper {
  stop(): Promise<void>
}

export const startAttachmentSweeper = (hub: Hub, store: AttachmentStore, now: () => number = Date.now): Sweeper => {
  const { sweepIntervalSeconds, unlinkedTtlMinutes } = hub.config.attachments
  if (sweepIntervalSeconds === 0) return { stop: async () => undefined }
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined

  const sweep = async (): Promise<void> => {
    try {
      const report = await sweepAttachments(hub.db, store, {
        now: now(),
        unlinkedTtlMs: unlinkedTtlMinutes * 60_000,
        // Queued messages commit first: a `say` accepted a moment ago keeps the upload it links.
        beforeDelete: () => hub.pipeline.flush(),
        signal: abort.signal,
      })
      if (sweptAnything(report)) hub.log.info(report, 'attachments swept')
      else hub.log.debug('attachments swept, nothing to remove')
    } catch (err) {
      hub.log.error({ err }, 'attachment sweep failed')
    }
  }
  const schedule = (): void => {
    if (abort.signal.aborted) return
    timer = setTimeout(() => {
      running = sweep().finally(() => {
        running = undefined
        schedule()
      })
    }, sweepIntervalSeconds * 1000)
    timer.unref()
  }
  schedule()

  return {
    async stop() {
      abort.abort()
      clearTimeout(timer)
      await running
    },
  }
}
