// `--room ROOM` or `--dm USER` on the client commands: the two flags, and the one place where a
// `--dm USER` becomes the name of the direct conversation's room.
import { Flags } from '#oclif'
import type { ChatClient } from '#core/client/sdk'
import type { RoomSummary } from '#core/protocol/messages'

/** The flags: exactly one of them. `summary` says what the room is for (`room to send to`). */
export const roomTargetFlags = (summary: string) => ({
  room: Flags.string({ summary, char: 'r', exactlyOne: ['room', 'dm'] }),
  dm: Flags.string({
    summary: 'your direct conversation with this user instead of a room',
    exactlyOne: ['room', 'dm'],
  }),
})

export interface RoomTarget {
  room?: string | undefined
  dm?: string | undefined
}

/** How output names the target: `general`, or `your conversation with bob`. */
export const targetName = (target: RoomTarget, room: string): string =>
  target.dm === undefined ? room : `your conversation with ${target.dm}`

/** The flag that names the target again, for hints: `--room general` or `--dm bob`. */
export const targetFlag = (target: RoomTarget, room: string): string =>
  target.dm === undefined ? `--room ${room}` : `--dm ${target.dm}`

/**
 * The room of `--room`, or of `--dm USER`. With `open` (sending), the `dm` frame opens the
 * conversation if needed, as `chathub dm` does. Otherwise (reading it, acting on its messages) it
 * must exist already: nothing is opened as a side effect, and CHATHUB_DIRECT_NOT_FOUND says how to
 * start one. The rooms list comes over the client's socket, or over HTTP without one.
 */
export const resolveRoom = async (
  target: RoomTarget,
  via: { client: ChatClient; open?: boolean } | { client?: undefined; open?: false } = {},
): Promise<string> => {
  const peer = target.dm
  if (peer === undefined) return target.room ?? ''
  if (via.client && via.open) return (await via.client.openDirect(peer)).room
  let rooms: RoomSummary[]
  if (via.client) rooms = (await via.client.rooms()).rooms
  else {
    const { apiCall } = await import('#cli/hub-client')
    rooms = (await apiCall<{ rooms: RoomSummary[] }>('/api/v1/rooms')).rooms
  }
  const found = rooms.find((r) => r.kind === 'direct' && r.peer === peer)
  if (!found) {
    const { directErrors } = await import('#core/rooms/errors')
    throw directErrors.notFound(peer)
  }
  return found.name
}
