// The retention sweep: in every room whose policy is not "forever", deletes the messages older than
// the policy (erase.ts: the rows, their attachments, reactions, mentions and bridge ledger rows), in
// short paced write transactions (core/db/paced-batches.ts), then tells running hubs (change feed
// `messages.swept`) and appends one `retention.swept` audit row. Run by the hub on its timer
// (sweeper.ts) and by `chathub retention sweep`.
//
// A room's messages go in seq order, up to the first one that is not past the policy: messages get
// their timestamp and their seq together, so this is every message older than the cutoff, unless the
// hub's clock went backwards at some point (then the older ones behind a newer one wait for it).
// This also bounds each sweep's reading to what it deletes, however long the room's history.
import { appendAudit } from '#core/audit/audit-log'
import { recordChange } from '#core/changes/feed'
import { type Db, writeTransaction } from '#core/db/client'
import { pacedBatches } from '#core/db/paced-batches'
import { TOMBSTONE_PREFIX } from '#core/db/room-purge'
import { type MessageRef, MessageEraser, type RoomRef } from './erase.ts'
import { DAY_MS, effectiveDays } from './policy.ts'

export interface RetentionOptions {
  /** The clock (ms since epoch) the policies are measured from. */
  now: number
  /** The hub's `retention.days` (0: keep forever), for rooms without their own policy. */
  defaultDays: number
  /** Who the audit row names: `hub` (its timer) or `data-dir` (the CLI). */
  actor: string
  /** Count what would go; change nothing (no feed row, no audit row). */
  dryRun?: boolean
  /** Stops the sweep between batches (the hub's shutdown); what was done is reported and audited. */
  signal?: AbortSignal
  /** After each committed batch (tests, progress). */
  onBatch?: (batch: { room: string; messages: number; ms: number }) => void
}

export interface RoomSweep {
  room: string
  /** The room's policy in days, its own or the hub's default. */
  days: number
  /** Messages deleted (or, for the two rows that keep the room's counters, emptied). */
  messages: number
  /** Attachment rows deleted; their files are removed by the attachment sweep that follows. */
  attachments: number
}

export interface RetentionReport {
  dryRun: boolean
  /** Rooms with a policy other than "forever" (their own or the hub's default), all looked at. */
  checked: number
  /** Rooms where something was (or, with dryRun, would be) deleted. */
  rooms: RoomSweep[]
  messages: number
  attachments: number
  /** Write transactions committed. */
  batches: number
  /** False when the signal stopped it: the rest goes at the next sweep. */
  complete: boolean
}

interface RoomRow extends RoomRef {
  days: number | null
}

interface PageRow extends MessageRef {
  createdAt: number
}

/** One sweep over every room. */
export const sweepRetention = async (
  db: Db,
  options: RetentionOptions,
): Promise<RetentionReport> => {
  const sqlite = db.$client
  const eraser = new MessageEraser(sqlite, () => options.now)
  const page = sqlite.prepare<[number, number, number], PageRow>(
    'SELECT id, seq, created_at AS createdAt FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  )
  const rooms = sqlite
    .prepare<[string], RoomRow>(
      'SELECT id, name, retention_days AS days FROM rooms WHERE name NOT GLOB ? ORDER BY id',
    )
    .all(`${TOMBSTONE_PREFIX}*`)
  const report: RetentionReport = {
    dryRun: options.dryRun === true,
    checked: 0,
    rooms: [],
    messages: 0,
    attachments: 0,
    batches: 0,
    complete: true,
  }

  for (const room of rooms) {
    const days = effectiveDays(room.days, options.defaultDays)
    if (days === 0) continue
    if (options.signal?.aborted) {
      report.complete = false
      break
    }
    report.checked++
    const cutoff = options.now - days * DAY_MS
    const swept: RoomSweep = { room: room.name, days, messages: 0, attachments: 0 }
    let cursor = 0
    /** The next page of the room past `cursor`: the messages older than the cutoff, and whether that is all. */
    const next = (limit: number): { expired: PageRow[]; done: boolean } => {
      const rows = page.all(room.id, cursor, limit)
      const newer = rows.findIndex((r) => r.createdAt >= cutoff)
      const expired = newer === -1 ? rows : rows.slice(0, newer)
      cursor = expired.at(-1)?.seq ?? cursor
      return { expired, done: newer !== -1 || rows.length < limit }
    }
    const add = (counts: { messages: number; attachments: number }) => {
      swept.messages += counts.messages
      swept.attachments += counts.attachments
    }

    if (options.dryRun) {
      for (let done = false; !done;) {
        const batch = next(1000)
        add(eraser.count(room, batch.expired))
        done = batch.done
      }
    } else {
      let changed = 0
      const finished = await pacedBatches(
        db,
        (limit) => {
          const { expired, done } = next(limit)
          const counts = eraser.remove(room, expired)
          add(counts)
          changed = counts.messages
          return { rows: expired.length, done }
        },
        {
          signal: options.signal,
          onBatch: (_rows, ms) => {
            report.batches++
            options.onBatch?.({ room: room.name, messages: changed, ms })
          },
        },
      )
      // Running hubs drop what they hold of these messages (bridges' queues and recent texts).
      if (swept.messages > 0)
        writeTransaction(db, (tx) => recordChange(tx, { kind: 'messages.swept', roomId: room.id }))
      if (!finished) report.complete = false
    }
    if (swept.messages > 0 || swept.attachments > 0) {
      report.rooms.push(swept)
      report.messages += swept.messages
      report.attachments += swept.attachments
    }
    if (!report.complete) break
  }

  if (!report.dryRun && report.messages > 0) {
    appendAudit(db, {
      actor: options.actor,
      action: 'retention.swept',
      target: null,
      detail: {
        rooms: Object.fromEntries(
          report.rooms.map((r) => [
            r.room,
            { days: r.days, messages: r.messages, attachments: r.attachments },
          ]),
        ),
        messages: report.messages,
        attachments: report.attachments,
        complete: report.complete,
      },
    })
  }
  return report
}
