// Search for a user: which rooms they may search (the rule of history, RoomService.readable, minus
// rooms they are banned from), the filters (room, sender, dates), paging by cursor, and each hit as
// the message history shows plus a snippet with the matched words marked.
import { eq } from '#drizzle'
import type { SessionUser } from '#core/auth/session-store'
import type { Db } from '#core/db/client'
import { roomBans } from '#core/db/schema/rooms'
import { coreErrors, isChatError } from '#core/errors'
import type { MessageStore } from '#core/messages/message-store'
import type { AckResults, SearchHit } from '#core/protocol/messages'
import { visibleRooms } from '#core/rooms/queries'
import type { RoomService } from '#core/rooms/room-service'
import type { RoomState } from '#core/rooms/room-state'
import { findUser } from '#core/users/queries'
import { searchErrors } from './errors.ts'
import { parseQuery, parseTime } from './query.ts'
import { MARK_CLOSE, MARK_OPEN, SearchIndex } from './search-index.ts'

/** Results per page when the request does not say. */
export const DEFAULT_LIMIT = 20
/** Most results per page. */
export const MAX_LIMIT = 100

/** What a `search` frame or `GET /api/v1/search` asks. */
export interface SearchRequest {
  q: string
  room?: string
  /** A local account, or a bridged sender (`name@network`). */
  from?: string
  /** From this time on: ms since the epoch, or an ISO date or time (UTC unless it says otherwise). */
  after?: number | string
  /** Strictly before this time. */
  before?: number | string
  limit?: number
  /** The previous page's `cursor`. */
  cursor?: string
}

export type SearchPage = AckResults['search']

const EARLIEST = -8.64e15
const LATEST = 8.64e15

export class Search {
  readonly index: SearchIndex

  constructor(
    private readonly db: Db,
    private readonly rooms: RoomService,
    private readonly messages: MessageStore,
  ) {
    this.index = new SearchIndex(db)
  }

  /** One page of results, newest first. Throws the request's ChatError (query, room, dates, cursor). */
  run(user: SessionUser, request: SearchRequest): SearchPage {
    const { match } = parseQuery(request.q)
    const after = request.after === undefined ? EARLIEST : parseTime('after', request.after)
    const before = request.before === undefined ? LATEST : parseTime('before', request.before)
    const below =
      request.cursor === undefined ? Number.MAX_SAFE_INTEGER : parseCursor(request.cursor)
    const limit = Math.min(request.limit ?? DEFAULT_LIMIT, MAX_LIMIT)
    const scope = this.scope(user, request.room)
    const sender = request.from === undefined ? {} : this.sender(request.from)
    if (scope.size === 0) return { results: [], more: false }
    this.index.catchUp()
    const rows = this.index.find({
      match,
      rooms: [...scope.keys()],
      below,
      after,
      before,
      ...sender,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const results = page.flatMap((row): SearchHit[] => {
      const room = scope.get(row.roomId)
      const found = room && this.messages.one(room, row.seq)
      if (!found) return []
      const { senderId: _senderId, ...message } = found
      return [{ message, ...marked(row.snippet) }]
    })
    const last = page.at(-1)
    return rows.length > limit && last
      ? { results, more: true, cursor: last.id.toString(36) }
      : { results, more: false }
  }

  /**
   * The rooms searched, by id: the one asked for (refused as history refuses it), or every room the
   * user may read. A ban keeps a user out of a room's search even where its history stays public.
   */
  private scope(user: SessionUser, name: string | undefined): Map<number, RoomState> {
    const banned = new Set(
      this.db
        .select({ roomId: roomBans.roomId })
        .from(roomBans)
        .where(eq(roomBans.userId, user.userId))
        .all()
        .map((b) => b.roomId),
    )
    if (name !== undefined) {
      const room = this.rooms.readable(user, name)
      if (banned.has(room.id)) throw coreErrors.banned(name)
      return new Map([[room.id, room]])
    }
    const scope = new Map<number, RoomState>()
    for (const row of visibleRooms(this.db, user.userId)) {
      if (banned.has(row.id)) continue
      try {
        const room = this.rooms.readable(user, row.name)
        scope.set(room.id, room)
      } catch (err) {
        if (!isChatError(err)) throw err
      }
    }
    return scope
  }

  private sender(from: string): { senderId?: number; alias?: string } {
    if (from.includes('@')) return { alias: from }
    const user = findUser(this.db, from)
    if (!user) throw coreErrors.userNotFound(from)
    return { senderId: user.id }
  }
}

/** A page cursor: the last result's message id in base 36. */
const parseCursor = (cursor: string): number => {
  const id = /^[0-9a-z]{1,11}$/.test(cursor) ? parseInt(cursor, 36) : Number.NaN
  if (!Number.isSafeInteger(id) || id < 1) throw searchErrors.cursorInvalid()
  return id
}

/** snippet() output to plain text plus the [start, end) offsets of the matched words. */
export const marked = (raw: string): { snippet: string; marks: [number, number][] } => {
  let snippet = ''
  const marks: [number, number][] = []
  let open: number | undefined
  for (const ch of raw) {
    if (ch === MARK_OPEN) open = snippet.length
    else if (ch === MARK_CLOSE) {
      if (open !== undefined && snippet.length > open) marks.push([open, snippet.length])
      open = undefined
    } else snippet += ch
  }
  return { snippet, marks }
}
