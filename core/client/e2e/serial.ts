// One thing at a time per key: MLS state is replaced by every operation (ts-mls is immutable), so
// two operations on one room's group that interleave across an await would lose one's result.

export class Serial {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** Run `fn` after everything queued before it under `key`; its failure does not block the next. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return next
  }

  /** Resolves once everything queued under `key` so far has run. */
  idle(key: string): Promise<void> {
    return (this.tails.get(key) ?? Promise.resolve()).then(() => undefined)
  }
}
