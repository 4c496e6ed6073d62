// The running hub's state, built once per buildServer(): database, rooms, message log, plugins,
// metrics and the registry of open connections. Nothing here is module-global.
import type { FastifyBaseLogger } from 'fastify'
import { type SessionUser, sessionVerifier } from '#core/auth/session-store'
import type { HubConfig } from '#core/config'
import { Connection, frameRate } from '#core/connections/connection'
import { corkWhile } from '#core/connections/frame-writer'
import type { Db } from '#core/db/client'
import { MessageLog } from '#core/messages/message-log'
import { createMetrics, type Metrics } from '#core/metrics'
import { PluginHost } from '#core/plugins/host'
import { CloseCodes, type EventFrame } from '#core/protocol/messages'
import { RoomService } from '#core/rooms/room-service'

export class Hub {
  readonly metrics: Metrics = createMetrics()
  readonly messages: MessageLog
  readonly rooms: RoomService
  readonly plugins: PluginHost
  readonly verifySession: (token: string) => SessionUser | undefined
  readonly connections = new Set<Connection>()
  private readonly byUser = new Map<number, Set<Connection>>()
  private readonly byAddress = new Map<string, number>()
  private nextId = 1
  /** Set while shutting down: no new connections or frames. */
  draining = false

  constructor(
    readonly config: HubConfig,
    readonly db: Db,
    readonly log: FastifyBaseLogger,
    /** Encrypts secrets at rest; handed to plugins, never logged. */
    readonly serverKey: Buffer,
  ) {
    this.messages = new MessageLog(db)
    this.messages.onBatch = (n) => this.metrics.commitBatch.observe(n)
    const metrics = this.metrics
    this.rooms = new RoomService(db, (id) => this.messages.maxSeq(id), config.limits, {
      delivered: (n) => metrics.delivered.inc(n),
      slowConsumer: () => metrics.slowConsumers.inc(),
    })
    this.messages.around = (batch, deliver) => {
      const only = batch.length === 1 ? batch[0] : undefined
      // One message gives each follower one frame anyway; only its sender gets two (ack, message).
      if (only?.origin) corkWhile([only.origin.ws], deliver)
      else this.rooms.corked(new Set(batch.map((m) => m.room)), deliver)
    }
    this.plugins = new PluginHost(log)
    this.verifySession = sessionVerifier(db)
  }

  /** Register a new socket, or undefined when its address is over the connection limit. */
  open(ws: Connection['ws'], address: string): Connection | undefined {
    const n = this.byAddress.get(address) ?? 0
    if (n >= this.config.limits.connectionsPerAddress) return undefined
    this.byAddress.set(address, n + 1)
    const conn = new Connection(this.nextId++, ws, address, Date.now(), this.config.limits.messageBurst)
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
