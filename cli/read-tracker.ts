// Moves your read marker in a room as `chathub chat` shows its messages: at most one `read` per
// second while lines arrive, and the last one before the chat closes its connection.
import type { ChatClient } from '#core/client/sdk'

/** How often a chat tells the hub how far it has shown a room, at most. */
export const READ_EVERY_MS = 1000

export class ReadTracker {
  private shown = 0
  private sent = 0
  private timer: NodeJS.Timeout | undefined = undefined
  private inFlight: Promise<void> = Promise.resolve()

  constructor(
    private readonly client: ChatClient,
    private readonly room: string,
    private readonly everyMs = READ_EVERY_MS,
  ) {}

  /** Messages up to `seq` are on the screen. */
  shownUpTo(seq: number): void {
    if (seq <= this.shown) return
    this.shown = seq
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.send()
    }, this.everyMs)
  }

  /** Send what is not sent yet and wait for its answer (call it before closing the connection). */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.send()
    await this.inFlight
  }

  private send(): void {
    // While the connection is down the marker waits: the next line shown (or the flush) sends it.
    if (this.shown <= this.sent || !this.client.open) return
    const before = this.sent
    const seq = (this.sent = this.shown)
    this.inFlight = this.client.read(this.room, seq).then(
      () => {},
      () => {
        // Not moved (dropped on the way, or no longer a member): a later one may still move it.
        if (this.sent === seq) this.sent = before
      },
    )
  }
}
