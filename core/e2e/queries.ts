// The E2E tables on the database (core/db/schema/e2e.ts): devices, KeyPackages, waiting Welcomes,
// pending removals and rooms' groups. Prepared once per hub; better-sqlite3 is synchronous. The
// functions at the end are for the admin service, which writes without a running hub.
import type Database from 'better-sqlite3'
import { type Db, type Sqlite } from '#core/db/client'

export interface DeviceRow {
  id: number
  device: string
  name: string
  signature_key: Buffer
  first: number
  vouch_by: string | null
  vouch_signature: Buffer | null
  created_at: number
}

export interface WelcomeRow {
  room: string
  seq: number
  data: Buffer
}

const DEVICE = 'id, device, name, signature_key, first, vouch_by, vouch_signature, created_at'

export class E2eQueries {
  readonly deviceStmt: Database.Statement<[number, string], DeviceRow>
  readonly devicesStmt: Database.Statement<[number], DeviceRow>
  readonly insertDeviceStmt: Database.Statement<[number, string, string, Buffer, number, string | null, Buffer | null, number], unknown>
  readonly vouchStmt: Database.Statement<[string, Buffer, number], unknown>
  readonly renameStmt: Database.Statement<[string, number], unknown>
  readonly deleteDeviceStmt: Database.Statement<[number], unknown>
  readonly oneTimeCountStmt: Database.Statement<[number], { n: number }>
  readonly lastResortStmt: Database.Statement<[number], { id: number; data: Buffer }>
  readonly insertPackageStmt: Database.Statement<[number, Buffer, number, number], unknown>
  readonly dropLastResortStmt: Database.Statement<[number], unknown>
  readonly takeOneTimeStmt: Database.Statement<[number], { id: number; data: Buffer }>
  readonly deletePackageStmt: Database.Statement<[number], unknown>
  readonly welcomesStmt: Database.Statement<[number], WelcomeRow>
  readonly welcomeStmt: Database.Statement<[number, number], { seq: number; data: Buffer }>
  readonly pendingStmt: Database.Statement<[number], { user: string }>
  readonly addPendingStmt: Database.Statement<[number, string, number], unknown>
  readonly pendingOfMemberStmt: Database.Statement<[number], { room: string; user: string }>
  readonly e2eRoomsStmt: Database.Statement<[number], { name: string }>
  readonly groupInfoStmt: Database.Statement<[number], { epoch: number | null; info: Buffer | null }>
  readonly txnStmt: Database.Statement<[number, number, string], { seq: number; epoch: number | null; kind: string | null }>

  constructor(readonly sqlite: Sqlite) {
    const s = sqlite
    this.deviceStmt = s.prepare<[number, string], DeviceRow>(
      `SELECT ${DEVICE} FROM devices WHERE user_id = ? AND device = ?`,
    )
    this.devicesStmt = s.prepare<[number], DeviceRow>(
      `SELECT ${DEVICE} FROM devices WHERE user_id = ? ORDER BY created_at, id`,
    )
    this.insertDeviceStmt = s.prepare<
      [number, string, string, Buffer, number, string | null, Buffer | null, number]
    >(
      `INSERT INTO devices (user_id, device, name, signature_key, first, vouch_by, vouch_signature, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.vouchStmt = s.prepare<[string, Buffer, number]>(
      'UPDATE devices SET vouch_by = ?, vouch_signature = ? WHERE id = ?',
    )
    this.renameStmt = s.prepare<[string, number]>('UPDATE devices SET name = ? WHERE id = ?')
    this.deleteDeviceStmt = s.prepare<[number]>('DELETE FROM devices WHERE id = ?')
    this.oneTimeCountStmt = s.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM key_packages WHERE device_id = ? AND last_resort = 0',
    )
    this.lastResortStmt = s.prepare<[number], { id: number; data: Buffer }>(
      'SELECT id, data FROM key_packages WHERE device_id = ? AND last_resort = 1 ORDER BY id DESC LIMIT 1',
    )
    this.insertPackageStmt = s.prepare<[number, Buffer, number, number]>(
      'INSERT INTO key_packages (device_id, data, last_resort, created_at) VALUES (?, ?, ?, ?)',
    )
    this.dropLastResortStmt = s.prepare<[number]>(
      'DELETE FROM key_packages WHERE device_id = ? AND last_resort = 1',
    )
    this.takeOneTimeStmt = s.prepare<[number], { id: number; data: Buffer }>(
      'SELECT id, data FROM key_packages WHERE device_id = ? AND last_resort = 0 ORDER BY id LIMIT 1',
    )
    this.deletePackageStmt = s.prepare<[number]>('DELETE FROM key_packages WHERE id = ?')
    this.welcomesStmt = s.prepare<[number], WelcomeRow>(
      `SELECT r.name AS room, w.seq, w.data FROM e2e_welcomes w JOIN rooms r ON r.id = w.room_id
       WHERE w.device_id = ? ORDER BY w.seq`,
    )
    this.welcomeStmt = s.prepare<[number, number], { seq: number; data: Buffer }>(
      'SELECT seq, data FROM e2e_welcomes WHERE room_id = ? AND device_id = ?',
    )
    this.pendingStmt = s.prepare<[number], { user: string }>(
      'SELECT user FROM e2e_pending_removals WHERE room_id = ? ORDER BY created_at, user',
    )
    this.addPendingStmt = s.prepare<[number, string, number]>(
      'INSERT INTO e2e_pending_removals (room_id, user, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    )
    this.pendingOfMemberStmt = s.prepare<[number], { room: string; user: string }>(
      `SELECT r.name AS room, p.user FROM e2e_pending_removals p JOIN rooms r ON r.id = p.room_id
       JOIN room_members m ON m.room_id = p.room_id AND m.user_id = ? ORDER BY r.name, p.created_at, p.user`,
    )
    this.e2eRoomsStmt = s.prepare<[number], { name: string }>(
      `SELECT r.name FROM rooms r JOIN room_members m ON m.room_id = r.id
       WHERE m.user_id = ? AND r.e2e_suite IS NOT NULL ORDER BY r.name`,
    )
    this.groupInfoStmt = s.prepare<[number], { epoch: number | null; info: Buffer | null }>(
      'SELECT e2e_epoch AS epoch, e2e_group_info AS info FROM rooms WHERE id = ?',
    )
    this.txnStmt = s.prepare<
      [number, number, string],
      { seq: number; epoch: number | null; kind: string | null }
    >(
      'SELECT seq, mls_epoch AS epoch, mls_kind AS kind FROM messages WHERE room_id = ? AND sender_id = ? AND txn = ?',
    )
  }
}

/**
 * A user's membership of an E2E room ended (left, kicked, banned, removed by an admin, account
 * removed): their leaves wait for a member's Commit to remove them, and their Welcomes there go.
 * Runs inside the caller's transaction; a no-op for a clear room. True when it was an E2E room.
 */
export const queueRemoval = (
  db: Db,
  roomId: number,
  user: { id: number; name: string },
): boolean => {
  const s = db.$client
  const e2e = s
    .prepare<[number], { e2e: number }>(
      'SELECT 1 AS e2e FROM rooms WHERE id = ? AND e2e_suite IS NOT NULL',
    )
    .get(roomId)
  if (!e2e) return false
  s.prepare(
    'INSERT INTO e2e_pending_removals (room_id, user, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  ).run(roomId, user.name, Date.now())
  s.prepare('DELETE FROM e2e_welcomes WHERE room_id = ? AND user_id = ?').run(roomId, user.id)
  return true
}

/** The E2E rooms where the user's leaves may be (a member, or invited), by id (for account removal). */
export const e2eRoomsWithUser = (db: Db, userId: number): number[] =>
  db.$client
    .prepare<[number, number], { id: number }>(
      `SELECT r.id FROM rooms r WHERE r.e2e_suite IS NOT NULL AND (
         EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = ?)
         OR EXISTS (SELECT 1 FROM room_invites i WHERE i.room_id = r.id AND i.user_id = ?))`,
    )
    .all(userId, userId)
    .map((r) => r.id)
