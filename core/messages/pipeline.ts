// The message pipeline: writes (say, edit, delete, react) queue up during an event-loop turn, commit as one
// transaction in the store, then go to delivery (answers, fan-out, event stream). Acks wait for the
// commit, so no acknowledged write is lost when the process is killed.
import type { StorageHealth } from '#core/db/storage-health'
import type { Delivery, Reply, Submitted } from './delivery.ts'
import type { EditWrite, DeleteWrite, MessageWrite, MessageStore, ReactionWrite } from './message-store.ts'

/** What a writer hands in; the store fills in the rest (seq, rev, whether it applied). */
export type NewWrite =
  | Omit<MessageWrite, 'seq' | 'duplicate'>
  | Omit<EditWrite, 'rev' | 'applied'>
  | Omit<DeleteWrite, 'rev' | 'applied'>
  | Omit<ReactionWrite, 'rev' | 'applied'>

export class Pipeline {
  private queue: Submitted[] = []
  private scheduled = false
  onBatch: ((size: number) => void) | undefined

  constructor(
    private readonly store: MessageStore,
    /** Told of every commit and failure: a full disk shows in /healthz, and the next commit clears it. */
    private readonly health: StorageHealth,
    private readonly delivery: Delivery,
  ) {}

  /** Queue a write; it commits (and gets its seq or rev) at the end of this turn. */
  submit(write: NewWrite, reply: Reply, receivedAt: number): void {
    const w = write as Submitted['write']
    if (w.kind === 'message') {
      w.seq = 0
      w.duplicate = false
    } else {
      w.rev = 0
      w.applied = false
    }
    this.queue.push({ write: w, reply, receivedAt })
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  get queued(): number {
    return this.queue.length
  }

  /** Commit everything queued as one transaction, then deliver it. */
  readonly flush = (): void => {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    let failure: Error | undefined
    try {
      this.store.commit(batch.map((s) => s.write))
      this.health.succeeded()
    } catch (err) {
      // A full disk, failing or damaged storage: the writers get its CHATHUB_STORAGE_* code.
      failure = this.health.failed(err) ?? (err as Error)
    }
    this.onBatch?.(batch.length)
    this.delivery.deliver(batch, failure)
  }
}
