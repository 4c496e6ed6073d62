// Retention policies: a room's own (`rooms.retention_days`: null = the hub's `retention.days`, 0 =
// keep forever, N = delete messages older than N days) and how they are written and shown.
import { retentionErrors } from './errors.ts'

/** The longest retention a room can have: a hundred years (longer is `forever`). */
export const MAX_RETENTION_DAYS = 36_500

export const DAY_MS = 86_400_000

/**
 * What `room set --retention` accepts, as the column's value: `30` or `30d` (days), `forever` (0)
 * or `default` (null: the hub's retention.days). `0` is refused: "keep 0 days" reads like "delete
 * everything", so keeping everything is spelled `forever`.
 *
 * @example
 * parseRetention('90d') // 90
 * parseRetention('forever') // 0
 * parseRetention('default') // null
 */
export const parseRetention = (value: string): number | null => {
  const text = value.trim().toLowerCase()
  if (text === 'forever') return 0
  if (text === 'default') return null
  const days = /^(\d{1,9})d?$/.exec(text)?.[1]
  if (days === undefined) throw retentionErrors.invalid(value, 'not a number of days')
  const n = Number(days)
  if (n === 0)
    throw retentionErrors.invalid(
      value,
      '0 days would delete every message; to keep them all, say forever',
    )
  if (n > MAX_RETENTION_DAYS)
    throw retentionErrors.invalid(value, `longer than ${MAX_RETENTION_DAYS} days; say forever`)
  return n
}

/** The days a room keeps its messages (0: forever), from its own setting and the hub's default. */
export const effectiveDays = (roomDays: number | null, defaultDays: number): number =>
  roomDays ?? defaultDays

/** In words, for the CLI: `30 days`, `forever`, `hub default (forever)`. */
export const describeRetention = (roomDays: number | null, defaultDays: number): string => {
  const words = (days: number) => (days === 0 ? 'forever' : days === 1 ? '1 day' : `${days} days`)
  return roomDays === null ? `hub default (${words(defaultDays)})` : words(roomDays)
}
