// The running hub's state, built once per buildServer(): database, rooms, message log, plugins,
// metrics and the registry of open connections. Nothing here is module-global.
import type { FastifyBaseLogger } from 'fastify'
import { type SessionUser, sessionVerifier } from '#core/auth/session-store'
import type { HubConfig } from '#core/config'
import { BufferBound } from '#core/connections/buffer-bound'
import { Connection, frameRate } from '#core/connections/connection'
import { SHUTDOWN_RETRY_AFTER_SECONDS, refusalMessage } from '#core/connections/errors'
import type { Db } from '#core/db/client'
import { storageHealth } from '#core/db/storage-health'
import { E2eService } from '#core/e2e/e2e-service'
import { Delivery } from '#core/messages/delivery'
import { HubEvents } from '#core/messages/events'
import { MessageStore } from '#core/messages/message-store'
import { Pipeline } from '#core/messages/pipeline'
import { createMetrics, type Metrics } from '#core/metrics'
import { PluginHost } from '#core/plugins/host'
import { CloseCodes, type ErrorFrame, type EventFrame } from '#core/protocol/messages'
import { ReadService } from '#core/reads/read-service'
import { RoomService } from '#core/rooms/room-service'
import { Search } from '#core/search/search'
import type { OriginPolicy } from '#core/web/origin'

/**
 * How long open connections still get answers after the shutdown notice: frames they sent before
 * they read it are on their way. Cut short when every connection has closed.
 */
export const DRAIN_MS = 250

export class Hub {
  readonly metrics: Metrics = createMetrics()
  /** The message log (a pure store: history, replays, change lists). */
  readonly messages: MessageStore
  /** Writes (say, edit, delete) batched per turn: store, commit, then delivery. */
  readonly pipeline: Pipeline
  /** Acks, fan-out and the event stream of everything committed. */
  readonly delivery: Delivery
  /** What was committed, for plugins (ctx.hub.subscribe). */
  readonly events: HubEvents
  readonly rooms: RoomService
  /** Read markers, unread counts and read receipts (core/reads). */
  readonly reads: ReadService
  /** Full-text search of the messages a user may read (core/search). */
  readonly search: Search
  readonly plugins: PluginHost
  /** End-to-end encrypted rooms: devices, KeyPackages, MLS messages (core/e2e). */
  readonly e2e: E2eService
  readonly verifySession: (token: string) => SessionUser | undefined
  /** limits.maxBufferedBytes, for every write to every connection. */
  readonly bound: BufferBound
  readonly connections = new Set<Connection>()
  private readonly byUser = new Map<number, Set<Connection>>()
  private readonly byAddress = new Map<string, number>()
  private nextId = 1
  /** Set while shutting down: no new connections; frames are answered CHATHUB_SHUTTING_DOWN. */
  draining = false
  /** Ends the drain early, once the last connection has closed. */
  private drained: (() => void) | undefined = undefined

  constructor(
    readonly config: HubConfig,
    readonly db: Db,
    readonly log: FastifyBaseLogger,
    /** Encrypts secrets at rest; handed to plugins, never logged. */
    readonly serverKey: Buffer,
    /** The hub's own origin and the browser origins it allows (CSRF, session cookies, WebSocket). */
    readonly origins: OriginPolicy,
  ) {
    this.messages = new MessageStore(db)
    const metrics = this.metrics
    this.bound = new BufferBound(config.limits.maxBufferedBytes, () => metrics.slowConsumers.inc())
    this.rooms = new RoomService(
      db,
      (id) => this.messages.maxSeq(id),
      config.limits,
      this.bound,
      { delivered: (n) => metrics.delivered.inc(n) },
      (room, event, frame) => this.delivery.announce(room, event, frame),
    )
    this.events = new HubEvents(log)
    this.search = new Search(db, this.rooms, this.messages)
    this.delivery = new Delivery(this.rooms, this.events, metrics, (id) => this.connectionsOf(id))
    this.reads = new ReadService(db, this.rooms, (id) => this.connectionsOf(id), (room, event, frame) =>
      this.delivery.announce(room, event, frame),
    )
    this.pipeline = new Pipeline(this.messages, storageHealth(db.$client), this.delivery)
    this.pipeline.onBatch = (n) => metrics.commitBatch.observe(n)
    const mlsDeps = { pipeline: this.pipeline, messages: this.messages, received: () => metrics.received.inc() }
    this.e2e = new E2eService(db, this.rooms, (id) => this.connectionsOf(id), mlsDeps, log)
    this.plugins = new PluginHost(log)
    this.verifySession = sessionVerifier(db)
  }

  /** Register a new socket, or undefined when its address is over the connection limit. */
  open(ws: Connection['ws'], address: string): Connection | undefined {
    const n = this.byAddress.get(address) ?? 0
    if (n >= this.config.limits.connectionsPerAddress) return undefined
    this.byAddress.set(address, n + 1)
    const conn = new Connection(this.nextId++, ws, address, Date.now(), this.config.limits.messageBurst, this.bound)
    this.connections.add(conn)
    this.metrics.connections.inc()
    return conn
  }

  /** Bind an authenticated user to the connection; false when the user has too many connections. */
  authenticate(conn: Connection, user: SessionUser): boolean {
    let set = this.byUser.get(user.userId)
    if (set && set.size >= this.config.limits.connectionsPerUser) return false
    if (!set) this.byUser.set(user.userId, (set = new Set()))
    set.add(conn)
    conn.user = user
    if (user.kind === 'bridge') conn.refill(frameRate(this.config.limits, user.kind).burst)
    return true
  }

  /** Forget a closed socket: unsubscribe it everywhere (presence follows). */
  closed(conn: Connection): void {
    if (!this.connections.delete(conn)) return
    this.metrics.connections.dec()
    for (const room of [...conn.rooms]) this.rooms.unsubscribe(conn, room)
    const n = (this.byAddress.get(conn.address) ?? 1) - 1
    if (n > 0) this.byAddress.set(conn.address, n)
    else this.byAddress.delete(conn.address)
    if (conn.user) {
      const set = this.byUser.get(conn.user.userId)
      set?.delete(conn)
      if (set?.size === 0) this.byUser.delete(conn.user.userId)
    }
    if (this.connections.size === 0) this.drained?.()
  }

  /**
   * Start shutting down (before the sockets are closed with 1001): refuse new connections, commit
   * what is queued (its acks go out), tell every connection with an `error` CHATHUB_SHUTTING_DOWN
   * without ref, then answer each frame that still arrives with that error and its ref for
   * DRAIN_MS, so that none is left unanswered by the close.
   */
  async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    this.pipeline.flush()
    if (this.connections.size === 0) return
    const notice: ErrorFrame = {
      type: 'error',
      code: 'CHATHUB_SHUTTING_DOWN',
      message: refusalMessage('CHATHUB_SHUTTING_DOWN', SHUTDOWN_RETRY_AFTER_SECONDS),
      retryAfter: SHUTDOWN_RETRY_AFTER_SECONDS,
    }
    for (const conn of this.connections) conn.send(notice)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DRAIN_MS)
      this.drained = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.drained = undefined
    // Frames already received by the kernel when the timer fired are read in the next poll phase,
    // before this check-phase callback: they are answered too.
    await new Promise((resolve) => setImmediate(resolve))
  }

  connectionsOf(userId: number): Iterable<Connection> {
    return this.byUser.get(userId) ?? []
  }

  notifyUser(userId: number, frame: EventFrame): void {
    for (const conn of this.connectionsOf(userId)) conn.send(frame)
  }

  /** End the open sockets of a user (all, or one session's) — logout, password change, disable. */
  endSessions(userId: number, sessionId: number | null, reason: string): void {
    for (const conn of [...this.connectionsOf(userId)]) {
      if (sessionId === null || conn.user?.sessionId === sessionId) {
        conn.close(CloseCodes.sessionRevoked, reason)
        this.closed(conn)
      }
    }
  }
}
