// End-to-end encrypted rooms inside a running hub (docs/e2e.md): the hub is MLS's Delivery Service
// (RFC 9420 §16). Devices do all the cryptography; the hub keeps devices and KeyPackages, orders and
// stores MLS messages (core/e2e/mls-send.ts), hands out Welcomes and GroupInfo, and tracks whose leaves
// a room's group must lose. It never holds a private key and never sees plaintext. One per hub; the
// frames reach it from core/connections/dispatch.ts.
import type { FastifyBaseLogger } from 'fastify'
import type { SessionUser } from '#core/auth/session-store'
import type { Connection } from '#core/connections/connection'
import type { Db } from '#core/db/client'
import type { AckResults, ClientFrameOf } from '#core/protocol/messages'
import type { RoomService } from '#core/rooms/room-service'
import type { RoomState } from '#core/rooms/room-state'
import type { E2eContext } from './context.ts'
import { listDevices, registerDevice, removeDevice, renameDevice, vouchDevice } from './devices.ts'
import { newGroup } from './group.ts'
import { ClaimLimiter, claimKeyPackages, publishKeyPackages } from './key-packages.ts'
import { joinView, roomChanged, tellPending, tellPendingIn, whileRemoving } from './membership.ts'
import { MlsCodec } from './mls-codec.ts'
import { type MlsDeps, type MlsReply, sendMls } from './mls-send.ts'
import { E2eQueries } from './queries.ts'
import { e2eRoomErrors } from './errors.ts'

export class E2eService {
  private readonly ctx: E2eContext
  private readonly claims = new ClaimLimiter()

  constructor(
    db: Db,
    rooms: RoomService,
    connectionsOf: (userId: number) => Iterable<Connection>,
    private readonly deps: MlsDeps,
    private readonly log: FastifyBaseLogger,
  ) {
    this.ctx = { db, q: new E2eQueries(db.$client), mls: new MlsCodec(), rooms, connectionsOf }
  }

  /** The MLS group of a new E2E room (`create` with `e2e`): only from a connection with a device. */
  newGroup(conn: Connection): ReturnType<typeof newGroup> {
    if (!conn.device) throw e2eRoomErrors.e2eDeviceRequired('create an end-to-end encrypted room')
    return newGroup()
  }

  device(
    conn: Connection,
    user: SessionUser,
    frame: ClientFrameOf<'device'>,
  ): Promise<AckResults['device']> {
    return registerDevice(this.ctx, conn, user, frame)
  }

  vouch(
    conn: Connection,
    user: SessionUser,
    frame: ClientFrameOf<'vouch'>,
  ): Promise<AckResults['vouch']> {
    return vouchDevice(this.ctx, conn, user, frame)
  }

  devices(user: string): AckResults['devices'] {
    return listDevices(this.ctx, user)
  }

  renameDevice(
    conn: Connection,
    user: SessionUser,
    device: string,
    name: string,
  ): AckResults['device.rename'] {
    return renameDevice(this.ctx, conn, user, device, name)
  }

  removeDevice(conn: Connection, user: SessionUser, device: string): AckResults['device.remove'] {
    return removeDevice(this.ctx, conn, user, device)
  }

  keyPackages(
    conn: Connection,
    user: SessionUser,
    frame: ClientFrameOf<'keypackages'>,
  ): Promise<AckResults['keypackages']> {
    return publishKeyPackages(this.ctx, conn, user, frame)
  }

  claim(conn: Connection, user: SessionUser, frame: ClientFrameOf<'claim'>): AckResults['claim'] {
    return claimKeyPackages(this.ctx, this.claims, conn, user, frame)
  }

  send(
    conn: Connection,
    user: SessionUser,
    frame: ClientFrameOf<'mls'>,
    reply: MlsReply,
    receivedAt: number,
  ): void | Promise<void> {
    return sendMls(this.ctx, this.deps, conn, user, frame, reply, receivedAt)
  }

  /** Load ts-mls in the background (once the hub listens), so that no MLS frame waits for it. */
  warm(): void {
    setImmediate(() => {
      this.ctx.mls.load().catch((err: unknown) => this.log.error({ err }, 'ts-mls failed to load'))
    }).unref()
  }

  /** The room's stored GroupInfo and its epoch, for a member resyncing. */
  groupInfo(user: SessionUser, name: string): AckResults['groupinfo'] {
    const { room } = this.ctx.rooms.membership(user, name)
    if (!room.e2e) throw e2eRoomErrors.e2eNotE2eRoom(room.name)
    const row = this.ctx.q.groupInfoStmt.get(room.id)
    const result: AckResults['groupinfo'] = { room: room.name, epoch: row?.epoch ?? 0 }
    if (row?.info) result.groupInfo = row.info.toString('base64')
    return result
  }

  /** After a device ack: the pending removals in the user's E2E rooms. */
  bound(conn: Connection): void {
    tellPending(this.ctx, conn)
  }

  /** What a join ack says of the room (undefined for a clear one). */
  joinView(conn: Connection, room: RoomState): AckResults['join']['e2e'] {
    return room.e2e && joinView(this.ctx, conn, room, room.e2e)
  }

  /** After a join ack in an E2E room: its pending removals. */
  joined(conn: Connection, room: RoomState): void {
    if (room.e2e) tellPendingIn(this.ctx, conn, room, room.e2e)
  }

  /** Leave, kick or ban: in an E2E room, the target's leaves wait for removal once it is done. */
  whileRemoving(room: string, target: string, run: () => void): void {
    whileRemoving(this.ctx, room, target, run)
  }

  /** A room changed outside this hub (core/changes/watcher.ts). */
  roomChanged(roomId: number): void {
    roomChanged(this.ctx, roomId)
  }
}
