// The bound on bytes queued to one client (limits.maxBufferedBytes), for every write to it: fan-out,
// replies (history pages, join replays, member lists, acks, errors) and frames it sends us alike.
// A connection found over it is closed with 4009, so a client that stops reading costs at most the
// bound plus the one frame that crossed it — never memory without limit.
import type { WebSocket } from 'ws'
import { CloseCodes } from '#core/protocol/messages'
import type { Connection } from './connection.ts'
import { corkWhile } from './frame-writer.ts'

export class BufferBound {
  /** Bytes each corked socket had queued before the batch being delivered (see during()). */
  private backlog: Map<WebSocket, number> | undefined = undefined

  constructor(
    readonly maxBytes: number,
    private readonly onSlowConsumer: () => void,
  ) {}

  /**
   * What counts as queued to `ws`. While a batch is delivered corked, the socket's queue grows with
   * the batch even for a fast reader, so it is judged by what was still queued before the batch
   * (the bound is then maxBytes plus one batch).
   */
  queued(ws: WebSocket): number {
    return this.backlog?.get(ws) ?? ws.bufferedAmount
  }

  /** Whether a write to `ws` now would go over the bound. */
  over(ws: WebSocket): boolean {
    return this.queued(ws) > this.maxBytes
  }

  /** Close a connection found over the bound (once; counted as a slow consumer). */
  refuse(conn: Connection): void {
    if (conn.closing) return
    this.onSlowConsumer()
    conn.close(CloseCodes.slowConsumer, 'slow consumer: too many bytes queued')
  }

  /** Run `fn` with these sockets corked, judging each by `backlog` (its queue before the batch). */
  during(backlog: Map<WebSocket, number>, fn: () => void): void {
    this.backlog = backlog
    try {
      corkWhile(backlog.keys(), fn)
    } finally {
      this.backlog = undefined
    }
  }
}
