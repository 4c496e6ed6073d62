// The rows an MLS message writes in the message log's commit (core/messages/message-store.ts), in the
// same transaction as the message itself: the message (ciphertext in `mls`, `text` NULL, so search
// never indexes it), and for a Commit the room's new epoch and GroupInfo, the Welcomes it carries and
// the pending removals it settles; the sender's own Welcome once it is evidently in the group; and the
// ciphertext an encrypted delete lets the hub drop.
import type { Sqlite } from '#core/db/client'
import type { MlsView } from '#core/protocol/messages'

/** What an `mls` frame stores besides the message's common fields (checked by core/e2e/mls-send.ts). */
export interface MlsWrite {
  /** The MLS message. */
  data: Buffer
  /** As the `message` event carries it (`data` in base64, device, epoch, kind, added/removed). */
  view: MlsView
  /** The sending device's row. */
  deviceId: number
  /** A Commit: the new epoch's GroupInfo. */
  groupInfo?: Buffer
  /** A Commit: its Welcome, for every device of the users it adds. */
  welcome?: { data: Buffer; to: WelcomeTarget[] }
  /** An encrypted delete: the seq of the message whose ciphertext goes. */
  deletes?: number
  /** Set by the store when `deletes` dropped a ciphertext: its change counter (the `deleted` event). */
  deleted?: { rev: number; at: number }
}

export interface WelcomeTarget {
  userId: number
  deviceId: number
  device: string
}

export class MlsRows {
  private readonly insertStmt
  private readonly epochStmt
  private readonly welcomeStmt
  private readonly settledStmt
  private readonly usedWelcomeStmt
  private readonly dropStmt

  constructor(s: Sqlite) {
    this.insertStmt = s.prepare(
      `INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at, mls, mls_device, mls_epoch, mls_kind, mls_users)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, sender_id, txn) DO NOTHING`,
    )
    this.epochStmt = s.prepare<[number, Buffer | null, number]>(
      'UPDATE rooms SET e2e_epoch = ?, e2e_group_info = ? WHERE id = ?',
    )
    this.welcomeStmt = s.prepare<[number, number, number, number, number, Buffer, number]>(
      `INSERT INTO e2e_welcomes (room_id, device_id, user_id, seq, epoch, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, device_id) DO UPDATE SET user_id = excluded.user_id, seq = excluded.seq,
         epoch = excluded.epoch, data = excluded.data, created_at = excluded.created_at`,
    )
    this.settledStmt = s.prepare<[number, string]>(
      'DELETE FROM e2e_pending_removals WHERE room_id = ? AND user IN (SELECT value FROM json_each(?))',
    )
    this.usedWelcomeStmt = s.prepare<[number, number, number]>(
      'DELETE FROM e2e_welcomes WHERE room_id = ? AND device_id = ? AND epoch <= ?',
    )
    // Only application messages: a handshake message stays, later members and resyncs need it.
    this.dropStmt = s.prepare<[number, number, number, number, number]>(
      `UPDATE messages SET mls = NULL, mls_users = NULL, deleted_at = ?, deleted_by = ?, rev = ?
       WHERE room_id = ? AND seq = ? AND deleted_at IS NULL AND mls_kind = 'application'`,
    )
  }

  /** Insert the message at `seq`: its row id, or undefined when (room, sender, txn) was stored before (a retry). */
  insert(
    roomId: number,
    seq: number,
    senderId: number,
    txn: string,
    ts: number,
    w: MlsWrite,
  ): number | undefined {
    const v = w.view
    const users =
      v.added || v.removed
        ? JSON.stringify({ added: v.added ?? [], removed: v.removed ?? [] })
        : null
    const { changes, lastInsertRowid } = this.insertStmt.run(roomId, seq, senderId, txn, ts, w.data, v.device, v.epoch, v.kind, users)
    return changes === 1 ? Number(lastInsertRowid) : undefined
  }

  /** What a stored message changes besides its row (see the module header). */
  stored(roomId: number, seq: number, ts: number, w: MlsWrite): void {
    const v = w.view
    // Sending at the Welcome's epoch or later: the device has joined with it.
    this.usedWelcomeStmt.run(roomId, w.deviceId, v.epoch)
    if (v.kind !== 'commit') return
    const epoch = v.epoch + 1
    this.epochStmt.run(epoch, w.groupInfo ?? null, roomId)
    if (w.welcome)
      for (const t of w.welcome.to)
        this.welcomeStmt.run(roomId, t.deviceId, t.userId, seq, epoch, w.welcome.data, ts)
    if (v.removed) this.settledStmt.run(roomId, JSON.stringify(v.removed))
  }

  /** Drop the ciphertext of an application message (an encrypted delete); false when there was none. */
  drop(roomId: number, seq: number, byId: number, at: number, rev: number): boolean {
    return this.dropStmt.run(at, byId, rev, roomId, seq).changes === 1
  }
}
