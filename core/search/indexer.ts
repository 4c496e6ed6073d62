// The hub's search indexer: every INDEX_INTERVAL_MS, new messages go into the full-text index in
// batches (see search-index.ts for why not in their own commit). A full batch is followed by the
// next one on setImmediate, so a backlog drains without holding the event loop for long.
import type { FastifyBaseLogger } from 'fastify'
import { BATCH_ROWS, type SearchIndex } from './search-index.ts'

/** How often the indexer looks for new messages. A search never waits for it (it catches up itself). */
export const INDEX_INTERVAL_MS = 250

export interface SearchIndexer {
  stop(): void
}

export const startSearchIndexer = (
  index: SearchIndex,
  log: FastifyBaseLogger,
  intervalMs = INDEX_INTERVAL_MS,
): SearchIndexer => {
  let stopped = false
  let again: NodeJS.Immediate | undefined
  let failing = false

  const run = (): void => {
    again = undefined
    if (stopped) return
    try {
      if (!index.pending()) return
      if (index.indexBatch() >= BATCH_ROWS) again = setImmediate(run)
      if (failing) log.info('search indexing works again')
      failing = false
    } catch (err) {
      // Busy (another process holds the write lock), a full or failing disk: the messages stay
      // stored, and the next round (or the next search) indexes them. Said once, not every round.
      if (!failing) log.warn({ err }, 'search indexing failed; retrying')
      failing = true
    }
  }
  const timer = setInterval(() => {
    if (!again) run()
  }, intervalMs)
  timer.unref()

  return {
    stop() {
      stopped = true
      clearInterval(timer)
      if (again) clearImmediate(again)
    },
  }
}
