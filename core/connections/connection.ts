// One WebSocket connection: who it is, which rooms it follows, its frame budget. Kept small: 10k idle ones must fit.
import type { WebSocket } from 'ws'
import type { SessionUser } from '#core/auth/session-store'
import type { ServerFrame } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'
import { sendFramed, textFrame } from './frame-writer.ts'

/** Frames/s and burst for an account: a bridge relays a whole remote channel through one connection. */
export const frameRate = (
  limits: { messagesPerSecond: number; messageBurst: number; bridgeMessagesPerSecond: number },
  kind: SessionUser['kind'] | undefined,
): { perSecond: number; burst: number } =>
  kind === 'bridge'
    ? { perSecond: limits.bridgeMessagesPerSecond, burst: Math.max(limits.messageBurst, limits.bridgeMessagesPerSecond * 3) }
    : { perSecond: limits.messagesPerSecond, burst: limits.messageBurst }

export class Connection {
  user: SessionUser | undefined = undefined
  /** Rooms whose live events this connection receives. */
  readonly rooms = new Set<RoomState>()
  /** Cleared by the heartbeat sweep, set by any frame or pong. */
  alive = true
  closing = false
  /** Token bucket for the per-connection frame rate. */
  private tokens: number
  private refilledAt: number
  /** Serialises frames whose handling awaits plugin hooks, so a client's frames keep their order. */
  queue: Promise<void> | undefined = undefined

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly address: string,
    readonly openedAt: number,
    burst: number,
  ) {
    this.tokens = burst
    this.refilledAt = openedAt
  }

  send(frame: ServerFrame): void {
    if (this.ws.readyState === 1) sendFramed(this.ws, textFrame(JSON.stringify(frame)))
  }

  /** Take one frame from the budget; false when the client is over its rate. */
  take(now: number, perSecond: number, burst: number): boolean {
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Start the budget over at `burst` frames (an account with a higher rate, once authenticated). */
  refill(burst: number): void {
    this.tokens = burst
  }

  /** Seconds until one more frame is allowed. */
  retryAfter(perSecond: number): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / perSecond))
  }

  close(code: number, reason: string): void {
    if (this.closing) return
    this.closing = true
    this.ws.close(code, reason)
    // A peer that does not answer the close handshake (or reads nothing) is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }
}
