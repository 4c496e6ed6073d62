// Fixed-window counters by key (in memory): how many times a key was counted in its current window,
// and how long until that window ends. Time comes from the caller, so tests move it instead of sleeping.

interface Window {
  count: number
  endsAt: number
}

export class WindowCounter {
  private readonly windows = new Map<string, Window>()

  constructor(
    /** Counts allowed per window. */
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may be counted again: 0 while under the limit. */
  wait(key: string, now: number): number {
    const w = this.live(key, now)
    return w && w.count >= this.limit ? w.endsAt - now : 0
  }

  /** Count `key` once; its window starts at its first count. */
  add(key: string, now: number): void {
    const w = this.live(key, now)
    if (w) w.count++
    else this.windows.set(key, { count: 1, endsAt: now + this.windowMs })
  }

  delete(key: string): void {
    this.windows.delete(key)
  }

  /** Forget ended windows (call now and then, so keys seen once do not stay forever). */
  sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key)
  }

  private live(key: string, now: number): Window | undefined {
    const w = this.windows.get(key)
    if (w && w.endsAt <= now) {
      this.windows.delete(key)
      return undefined
    }
    return w
  }
}
