// The SDK's search over the two places a message can be found: the hub's index (clear rooms) and the
// device's decrypted logs (end-to-end encrypted rooms, whose text the hub never has). A page holds one
// page of the hub's, whole (its cursor cannot point inside it), and the device's hits of the same
// stretch of time (at most `limit`), newest first, so up to twice `limit` hits; its cursor keeps a
// position in each. Every hit says where it was found (`source`).
import type { AckResults, SearchHit } from '#core/protocol/messages'
import { searchErrors } from '#core/search/errors'

export type SearchPage = AckResults['search']

/** Where a device search stopped: the last hit shown (hits are ordered by byNewest). */
export interface SearchPosition {
  ts: number
  room: string
  seq: number
}

/** Newest first; at the same time by room name, then newest seq first (a total order, for paging). */
export const byNewest = (a: SearchPosition, b: SearchPosition): number =>
  b.ts - a.ts || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0) || b.seq - a.seq

const positionOf = (hit: SearchHit): SearchPosition => ({
  ts: hit.message.ts,
  room: hit.message.room,
  seq: hit.message.seq,
})

/** How far a merged search has gone in each place. */
export interface SearchState {
  /** The hub's cursor for its next page (undefined: from the newest). */
  hub: string | undefined
  hubDone: boolean
  /** The device's last hit shown (undefined: from the newest). */
  device: SearchPosition | undefined
  deviceDone: boolean
}

export const SEARCH_START: SearchState = {
  hub: undefined,
  hubDone: false,
  device: undefined,
  deviceDone: false,
}

/**
 * A merged cursor: `m,HUB,DEVICE` with HUB the hub's cursor (empty: its first page, `-`: no more)
 * and DEVICE `ts.room.seq` in base 36 (empty: the device's newest, `-`: no more). Anything else is a
 * cursor of the hub's alone (a page without device hits): the device has nothing more for it.
 */
export const decodeCursor = (cursor: string): SearchState => {
  if (!cursor.startsWith('m,'))
    return { hub: cursor, hubDone: false, device: undefined, deviceDone: true }
  const [, hub, device, extra] = cursor.split(',')
  if (hub === undefined || device === undefined || extra !== undefined)
    throw searchErrors.cursorInvalid()
  const state: SearchState = {
    hub: undefined,
    hubDone: hub === '-',
    device: undefined,
    deviceDone: device === '-',
  }
  if (hub !== '' && hub !== '-') state.hub = hub
  if (device !== '' && device !== '-') {
    const [ts, room, seq] = device.split('.')
    const position = { ts: parseInt(ts ?? '', 36), room: room ?? '', seq: parseInt(seq ?? '', 36) }
    if (
      !/^[a-z0-9][a-z0-9-]{0,31}$/.test(position.room) ||
      !Number.isSafeInteger(position.ts) ||
      !Number.isSafeInteger(position.seq)
    )
      throw searchErrors.cursorInvalid()
    state.device = position
  }
  return state
}

const encodeCursor = (s: SearchState): string => {
  const hub = s.hubDone ? '-' : (s.hub ?? '')
  const device = s.deviceDone
    ? '-'
    : s.device
      ? `${s.device.ts.toString(36)}.${s.device.room}.${s.device.seq.toString(36)}`
      : ''
  return `m,${hub},${device}`
}

/** The hub's hits, marked as found there. */
export const fromHub = <P extends SearchPage>(page: P): P => ({
  ...page,
  results: page.results.map((hit): SearchHit => ({ ...hit, source: 'hub' })),
})

/**
 * One merged page: the hub's page whole, the device's hits down to the oldest hub hit shown (all of
 * them when the hub has no more), newest first.
 */
export const mergePages = (
  state: SearchState,
  hub: SearchPage,
  device: { results: SearchHit[]; more: boolean },
): SearchPage => {
  const oldest = hub.results.at(-1)
  const floor = hub.more && oldest ? oldest.message.ts : -Infinity
  const shown = device.results.filter((hit) => hit.message.ts >= floor)
  const last = shown.at(-1)
  const next: SearchState = {
    hub: hub.more ? hub.cursor : undefined,
    hubDone: !hub.more || hub.cursor === undefined,
    device: last ? positionOf(last) : state.device,
    deviceDone: !device.more && shown.length === device.results.length,
  }
  const results = [...hub.results, ...shown].sort((a, b) => byNewest(a.message, b.message))
  const more = !next.hubDone || !next.deviceDone
  return more ? { results, more, cursor: encodeCursor(next) } : { results, more }
}
