// Where one bot is in each of its rooms: <dataDir>/bots/cursors/<bot>.json, `{ room: seq }`, the
// message up to which the bot is done (its engine took each one, or there was nothing for it to do).
// Kept by the plugin (hub-feed.ts moves it as the bot host reports progress); a bot that comes back
// catches up from there. Saved at most every SAVE_EVERY_MS, so a hub killed outright hands the bot
// at most that much of its last progress again.
import { readFileSync } from 'node:fs'
import { cursorPath, writeJson } from './state-files.ts'

/** Saves per bot are this far apart at least (a busy room writes 10 times a second, not per batch). */
export const SAVE_EVERY_MS = 100

export class CursorFile {
  private readonly at = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private savedAt = 0
  private closed = false

  constructor(
    private readonly dir: string,
    private readonly bot: string,
    /** A save failed (the bot's log says so; the bot runs on). */
    private readonly failed: (message: string) => void,
  ) {
    try {
      const raw = JSON.parse(readFileSync(cursorPath(dir, bot), 'utf8')) as Record<string, unknown>
      for (const [room, seq] of Object.entries(raw)) {
        if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0) this.at.set(room, seq)
      }
    } catch {
      // no cursor yet: the bot starts at the rooms' newest messages
    }
  }

  get(room: string): number | undefined {
    return this.at.get(room)
  }

  /** Move a room's cursor forward (never back); saved soon. */
  advance(room: string, seq: number): void {
    const at = this.at.get(room)
    if (at !== undefined && seq <= at) return
    this.set(room, seq)
  }

  /** Put a room's cursor at `seq`, back too (the room was deleted and made again: its seqs restarted). */
  set(room: string, seq: number): void {
    this.at.set(room, seq)
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.savedAt + SAVE_EVERY_MS - Date.now()))
    this.timer.unref()
  }

  /** Write what is not saved yet (at once). */
  flush(): void {
    if (!this.timer) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.savedAt = Date.now()
    try {
      writeJson(cursorPath(this.dir, this.bot), Object.fromEntries(this.at))
    } catch (err) {
      this.failed(`cannot save where the bot is in its rooms: ${(err as Error).message}`)
    }
  }

  /** Save now and no more (the hub is stopping; late reports of the bot host are not written). */
  close(): void {
    this.flush()
    this.closed = true
  }
}
