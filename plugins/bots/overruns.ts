// Per-user accounting of one bot's budget overruns: an event a user sent that ran over its CPU or
// wall-time budget counts against that user, not against the bot. After `limit` of them within
// `windowMs` the bot ignores the user until the oldest leaves the window, so that one member cannot
// keep the bot host busy (each overrun costs a full budget and a fresh isolate).

export class OverrunGuard {
  private readonly times = new Map<string, number[]>()
  private readonly announced = new Set<string>()

  /** `limit` 0: never ignore anyone (overruns are still skipped and logged). */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Count an overrun of `user` at `now`; returns the cool-down it starts, in ms (0: none). */
  note(user: string, now: number): number {
    this.times.set(user, [...this.recent(user, now), now])
    this.announced.delete(user)
    return this.cooldownMs(user, now)
  }

  /** How long `user` is still ignored, in ms (0: not ignored). */
  cooldownMs(user: string, now: number): number {
    if (this.limit <= 0) return 0
    const recent = this.recent(user, now)
    const start = recent[recent.length - this.limit]
    return start === undefined ? 0 : Math.max(0, start + this.windowMs - now)
  }

  /** True the first time a cool-down skips one of the user's events (to log it once). */
  firstSkip(user: string): boolean {
    if (this.announced.has(user)) return false
    this.announced.add(user)
    return true
  }

  private recent(user: string, now: number): number[] {
    const list = (this.times.get(user) ?? []).filter((t) => now - t < this.windowMs)
    if (list.length === 0) this.times.delete(user)
    else this.times.set(user, list)
    return list
  }
}
