// The in-memory face of a room: its sequence counter, its members (cached) and the connections following it.
import type { Connection } from '#core/connections/connection'
import type { Role, RoomKind } from '#core/db/schema/rooms'
import type { E2eGroup } from '#core/e2e/group'

export class RoomState {
  /** Highest sequence number committed to the database (numbers are handed out at commit time). */
  seq: number
  readonly subscribers = new Set<Connection>()
  /** userId -> the user's name and open subscribed connections, for presence (in order of arrival). */
  readonly online = new Map<number, { name: string; connections: number }>()
  /** userId -> when their last `typing` was relayed (Date.now()), for the relay limit. */
  readonly typingRelayedAt = new Map<number, number>()
  /** The room's change counter: the `rev` of its latest edit or delete; loaded by the message log on first use. */
  rev: number | undefined = undefined
  /** userId -> role; loaded on first use. */
  members: Map<number, Role> | undefined = undefined
  /** Members see how far each has read (core/reads); set from the room's row. */
  readReceipts = false
  /** An end-to-end encrypted room's MLS group (core/e2e); undefined for a clear room. */
  e2e: E2eGroup | undefined = undefined

  constructor(
    readonly id: number,
    readonly name: string,
    public isPrivate: boolean,
    public topic: string,
    seq: number,
    /** 'direct': a two-person conversation whose participants follow it without joining. */
    readonly kind: RoomKind = 'room',
  ) {
    this.seq = seq
  }
}
