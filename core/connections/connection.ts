// One WebSocket connection: who it is, which rooms it follows, its frame budget. Kept small: 10k idle ones must fit.
import type { WebSocket } from 'ws'
import type { SessionUser } from '#core/auth/session-store'
import type { ServerFrame } from '#core/protocol/messages'
import type { RoomState } from '#core/rooms/room-state'
import type { BufferBound } from './buffer-bound.ts'
import { sendFramed, textFrame } from './frame-writer.ts'

/** Frames/s and burst for an account: a bridge relays a whole remote channel through one connection. */
export const frameRate = (
  limits: { messagesPerSecond: number; messageBurst: number; bridgeMessagesPerSecond: number },
  kind: SessionUser['kind'] | undefined,
): { perSecond: number; burst: number } =>
  kind === 'bridge'
    ? { perSecond: limits.bridgeMessagesPerSecond, burst: Math.max(limits.messageBurst, limits.bridgeMessagesPerSecond * 3) }
    : { perSecond: limits.messagesPerSecond, burst: limits.messageBurst }

/**
 * Frames a connection may have refused over its rate, per frame of its burst, before it is closed
 * (4030): the allowance refills at the frame rate, so a client that backs off when told (or bursts
 * once) never reaches it, and one that keeps sending far over its rate soon does.
 */
export const FLOOD_ALLOWANCE_PER_BURST = 10

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
  /** Frames that may still be refused over the rate before the connection is closed as a flood. */
  private refusals: number
  /** Serialises frames whose handling awaits plugin hooks, so a client's frames keep their order. */
  queue: Promise<void> | undefined = undefined
  /**
   * The session cookie of the upgrade request, kept only when its Origin may use it (a browser page
   * of the hub's own origin or of web.allowedOrigins), for an `auth` frame without a token. Dropped
   * at the first `auth` frame.
   */
  cookieToken: string | undefined = undefined
  /** The device this connection acts for in E2E rooms (`device` frame, core/e2e): its row id and device id. */
  device: { id: number; device: string } | undefined = undefined

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly address: string,
    readonly openedAt: number,
    burst: number,
    private readonly bound: BufferBound,
  ) {
    this.tokens = burst
    this.refusals = burst * FLOOD_ALLOWANCE_PER_BURST
    this.refilledAt = openedAt
  }

  /**
   * Write a frame; false when the socket is not open or the connection is over its buffer bound
   * (limits.maxBufferedBytes), in which case it is closed with 4009 and the frame dropped.
   */
  send(frame: ServerFrame): boolean {
    const ws = this.ws
    if (ws.readyState !== 1) return false
    if (this.bound.over(ws)) {
      this.bound.refuse(this)
      return false
    }
    sendFramed(ws, textFrame(JSON.stringify(frame)))
    return true
  }

  /** Whether this connection is over its buffer bound (then it is closed with 4009). */
  overBound(): boolean {
    if (!this.bound.over(this.ws)) return false
    this.bound.refuse(this)
    return true
  }

  /** Take one frame from the budget; false when the client is over its rate. */
  take(now: number, perSecond: number, burst: number): boolean {
    const refill = ((now - this.refilledAt) / 1000) * perSecond
    this.refilledAt = now
    this.tokens = Math.min(burst, this.tokens + refill)
    this.refusals = Math.min(burst * FLOOD_ALLOWANCE_PER_BURST, this.refusals + refill)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Count a frame refused over the rate (after take() said no); false once the flood allowance is spent. */
  refused(): boolean {
    this.refusals -= 1
    return this.refusals >= 0
  }

  /** Start the budget over at `burst` frames (an account with a higher rate, once authenticated). */
  refill(burst: number): void {
    this.tokens = burst
    this.refusals = burst * FLOOD_ALLOWANCE_PER_BURST
  }

  /** Seconds until one more frame is allowed. */
  retryAfter(perSecond: number): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / perSecond))
  }

  close(code: number, reason: string): void {
    if (this.closing) return
    this.closing = true
    this.shut(code, reason)
  }

  /**
   * Close once the frames already accepted are answered (those queued behind plugin hooks run
   * first, for at most 2 s); frames that arrive meanwhile are not read.
   */
  closeWhenAnswered(code: number, reason: string): void {
    if (this.closing) return
    this.closing = true
    if (!this.queue) return this.shut(code, reason)
    let shut = false
    const once = () => {
      if (shut) return
      shut = true
      this.shut(code, reason)
    }
    void this.queue.then(once, once)
    setTimeout(once, 2000).unref()
  }

  private shut(code: number, reason: string): void {
    this.ws.close(code, reason)
    // A peer that does not answer the close handshake (or reads nothing) is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }
}
