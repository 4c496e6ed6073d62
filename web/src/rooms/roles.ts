// Who may do what in a room, as the hub decides it (docs/protocol.md, the "who may" table). The
// client hides what the user's role cannot do; the hub still refuses with its code if asked anyway.
import type { RoleName, RoomSummary } from '#core/protocol/messages'

const RANK: Record<RoleName, number> = { owner: 3, moderator: 2, member: 1 }

type Room = Pick<RoomSummary, 'kind' | 'private'>

/** Direct conversations have two plain members and nothing to manage. */
const managed = (room: Room): boolean => room.kind !== 'direct'

export const isModerator = (role: RoleName | undefined): boolean => role === 'owner' || role === 'moderator'

/** Topic, read receipts, unban: moderators and the owner. */
export const mayModerate = (room: Room, role: RoleName | undefined): boolean => managed(room) && isModerator(role)

/** Any member of a public room; moderators and the owner of a private one. */
export const mayInvite = (room: Room, role: RoleName | undefined): boolean =>
  managed(room) && role !== undefined && (!room.private || isModerator(role))

/** Kick and ban: moderators and the owner, on members of lower rank. */
export const mayRemove = (room: Room, role: RoleName | undefined, target: RoleName): boolean =>
  mayModerate(room, role) && role !== undefined && RANK[target] < RANK[role]

/** Make a moderator or a member again: the owner, on anyone but an owner. */
export const maySetRole = (room: Room, role: RoleName | undefined, target: RoleName): boolean =>
  managed(room) && role === 'owner' && target !== 'owner'

export const mayLeave = (room: Room, role: RoleName | undefined): boolean => managed(room) && role !== undefined

/** Owners first, then moderators, then members; by name within each. */
export const byRank = <T extends { user: string; role: RoleName }>(a: T, b: T): number =>
  RANK[b.role] - RANK[a.role] || a.user.localeCompare(b.user)
