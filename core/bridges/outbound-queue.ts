// One link's outbound queue (hub -> remote), in memory and in `bridge_queue`: in order, bounded (the
// overflow folds into one `dropped` notice), the item being sent left alone, and a hub message's
// items found by its seq (an edit rewrites a waiting one, a delete removes them with their text).
import { type Db, writeTransaction } from '#core/db/client'
import type { OutboundItem } from './contract.ts'
import * as q from './queries.ts'

/** What the queue stores: the item and whether delivering it creates ledger rows. */
export interface QueuedItem {
  item: OutboundItem
  /** Corrections and drop notices are not hub messages of their own. */
  ledger: boolean
}

export interface QueueEntry {
  id: number
  q: QueuedItem
}

/** The hub seq an item belongs to (notices and deletes belong to none that a delete should purge). */
const seqOf = (item: OutboundItem): number | undefined =>
  item.type === 'dropped' || item.type === 'delete' ? undefined : item.seq

export class OutboundQueue {
  private items: QueueEntry[]
  /** Queue id of the item send() is delivering now: never rewritten, folded or purged. */
  inFlight: number | undefined
  /** Items dropped because the queue was full, since the link was created. */
  dropped: number

  constructor(
    private readonly db: Db,
    private readonly link: string,
    private readonly max: number,
    dropped: number,
  ) {
    this.dropped = dropped
    this.items = q
      .queued(db, link)
      .map((r) => ({ id: r.id, q: JSON.parse(r.payload) as QueuedItem }))
  }

  get length(): number {
    return this.items.length
  }

  head(): QueueEntry | undefined {
    return this.items[0]
  }

  /**
   * Persist an item, with the hub cursor when `hubSeq` > 0, in one transaction; past the bound the
   * oldest waiting items fold into a `dropped` notice.
   */
  push(qi: QueuedItem, hubSeq: number): void {
    writeTransaction(this.db, () => {
      const id = q.enqueue(this.db, this.link, JSON.stringify(qi))
      this.items.push({ id, q: qi })
      if (hubSeq > 0) q.updateStatus(this.db, this.link, { hubSeq })
      while (this.items.length > this.max) if (!this.dropOldest()) break
    })
  }

  /** An item left the queue (delivered, or deleted on the hub). */
  done(id: number): void {
    q.dequeue(this.db, [id])
    this.items = this.items.filter((e) => e.id !== id)
  }

  /** The waiting (not in-flight) message items of hub message `seq` that create ledger rows. */
  waitingMessages(seq: number): QueueEntry[] {
    return this.items.filter(
      (e) =>
        e.id !== this.inFlight && e.q.ledger && e.q.item.type === 'message' && e.q.item.seq === seq,
    )
  }

  /** Replace an entry's item (an edit of a message not sent yet). */
  rewrite(entry: QueueEntry, item: OutboundItem): void {
    entry.q = { ...entry.q, item }
    q.updateQueued(this.db, entry.id, JSON.stringify(entry.q))
  }

  /** The hub seqs the items hold text of (what purge() takes). */
  seqs(): number[] {
    return this.items.flatMap((e) => seqOf(e.q.item) ?? [])
  }

  /**
   * Remove every waiting item of hub message `seq` (the message, an edit of it, a correction line),
   * with their text. Returns whether the item being sent belongs to it (it cannot be called back).
   */
  purge(seq: number): { removed: number; inFlight: boolean } {
    const mine = this.items.filter((e) => seqOf(e.q.item) === seq)
    const gone = mine.filter((e) => e.id !== this.inFlight)
    if (gone.length > 0) {
      q.dequeue(
        this.db,
        gone.map((e) => e.id),
      )
      this.items = this.items.filter((e) => !gone.includes(e))
    }
    return { removed: gone.length, inFlight: mine.length > gone.length }
  }

  /**
   * The oldest waiting item becomes (or grows) a `dropped` notice, so the remote side learns how many
   * it missed. False when there is nothing to fold (only the item being sent).
   */
  private dropOldest(): boolean {
    const first = this.items[0]?.id === this.inFlight ? 1 : 0
    const head = this.items[first]
    if (!head) return false
    if (head.q.item.type === 'dropped') {
      const next = this.items[first + 1]
      if (!next) return false
      q.dequeue(this.db, [next.id])
      this.items.splice(first + 1, 1)
      head.q.item.count += 1
    } else {
      head.q = { item: { type: 'dropped', count: 1 }, ledger: false }
    }
    this.dropped += 1
    q.updateQueued(this.db, head.id, JSON.stringify(head.q))
    return true
  }
}
