// Retry delays for every reconnect and restart loop (bridges, the bot host, the client SDK): doubling
// from `minMs` to `maxMs`, with jitter so that many clients cut off together (a hub restart, a network
// blip) do not all come back in the same millisecond ("Exponential Backoff And Jitter", Brooker 2015).

export interface BackoffOptions {
  /** The first delay (before jitter). */
  minMs: number
  /** No delay is longer. */
  maxMs: number
  /**
   * The share of each delay that is random, 0..1 (default 0.2): a delay falls in
   * [(1 - jitter) × d, d], so it never comes sooner than that floor.
   */
  jitter?: number
}

/** The delay before retry number `attempt` (0 for the first retry). */
export const backoffDelay = (attempt: number, options: BackoffOptions, random: () => number = Math.random): number => {
  const { minMs, maxMs, jitter = 0.2 } = options
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 52))
  return Math.round(base * (1 - jitter * random()))
}

/** One retry loop's state: `next()` gives the next delay, `reset()` after a success. */
export class Backoff {
  private attempt = 0

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    return backoffDelay(this.attempt++, this.options, this.random)
  }

  reset(): void {
    this.attempt = 0
  }

  /** Retries since the last reset. */
  get attempts(): number {
    return this.attempt
  }
}
