// `chathub rooms`: the rooms you can see on the hub (public ones, your private ones and your direct
// conversations, with whom), your role, what you have not read there, and your pending invitations.
import { ChathubCommand } from '#cli/base-command'
import { plural } from '#cli/format'
import { type InviteView, type RoomSummary, UNREAD_COUNT_MAX } from '#core/protocol/messages'

/**
 * A room as `--json` lists it: a room you can see, or one you are invited to. `invitation` is there
 * while an invitation of yours to it is pending (rooms only invited to come last, without `role`).
 */
export type RoomListing = RoomSummary & { invitation?: { by?: string; at: number } }

export default class Rooms extends ChathubCommand {
  static override summary = 'list the rooms you can see, your role in each and your invitations'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override enableJsonFlag = true

  async run(): Promise<RoomListing[]> {
    await this.parse(Rooms)
    const { apiCall } = await import('#cli/hub-client')
    const { rooms, invites = [] } = await apiCall<{ rooms: RoomSummary[]; invites?: InviteView[] }>('/api/v1/rooms')
    if (rooms.length === 0 && invites.length === 0) this.log('no rooms to see yet')
    for (const r of rooms) {
      const kind = r.kind === 'direct' ? 'direct' : r.private ? 'private' : 'public'
      const about = r.kind === 'direct' ? `with ${r.peer ?? '(removed account)'}` : r.topic
      const line = `${r.name.padEnd(24)} ${kind.padEnd(8)} ${plural(r.members, 'member').padStart(13)}  ${(r.role ?? '-').padEnd(9)} ${about}`
      this.log(`${line.trimEnd()}${unreadNote(r)}`)
    }
    if (invites.length > 0) {
      if (rooms.length > 0) this.log('')
      this.log('invitations (join with `chathub join ROOM`):')
      for (const i of invites) {
        const kind = i.private ? 'private' : 'public'
        const by = i.by === undefined ? '-' : `from ${i.by}`
        const line = `${i.room.padEnd(24)} ${kind.padEnd(8)} ${plural(i.members, 'member').padStart(13)}  ${by.padEnd(16)} ${i.topic}`
        this.log(line.trimEnd())
      }
    }
    return listing(rooms, invites)
  }
}

/** "  (3 unread, 1 mention)" where something is unread; counts stop at 1000 ("1000+"). */
const unreadNote = (r: RoomSummary): string => {
  if (!r.unread && !r.mentions) return ''
  const count = (n: number) => (n >= UNREAD_COUNT_MAX ? `${n}+` : String(n))
  const parts = [`${count(r.unread ?? 0)} unread`]
  if (r.mentions) parts.push(`${count(r.mentions)} mention${r.mentions === 1 ? '' : 's'}`)
  return `  (${parts.join(', ')})`
}

/** The rooms, each marked with a pending invitation to it, then the rooms you are only invited to. */
const listing = (rooms: RoomSummary[], invites: InviteView[]): RoomListing[] => {
  const byRoom = new Map(invites.map((i) => [i.room, i]))
  const mark = (i: InviteView) => ({ invitation: { ...(i.by === undefined ? {} : { by: i.by }), at: i.at } })
  const out: RoomListing[] = rooms.map((r) => {
    const invite = byRoom.get(r.name)
    byRoom.delete(r.name)
    return invite ? { ...r, ...mark(invite) } : r
  })
  for (const i of byRoom.values()) {
    out.push({ name: i.room, private: i.private, kind: 'room', topic: i.topic, members: i.members, seq: i.seq, ...mark(i) })
  }
  return out
}
