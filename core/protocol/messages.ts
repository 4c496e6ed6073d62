// Wire protocol v1: every client and server frame, defined once and shared by the server and the client SDK.
// Add variants freely; never change an existing one — deployed clients depend on it.
import { type Static, type TSchema, Type } from '#typebox'

export const PROTOCOL_VERSION = 1

export const RoomName = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'room name' })
/** Local accounts are `[a-z0-9._-]`; bridged senders appear as `name@network`. */
export const UserName = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,31}$', description: 'user name' })
/** A remote sender shown by a bridge: `name@network`; never a local account name (those have no "@"). */
export const RemoteName = Type.String({ pattern: '^[^\\s@]{1,64}@[a-z0-9-]{1,16}$', description: 'remote sender' })
const Ref = Type.String({ minLength: 1, maxLength: 64 })
/** Sequence numbers stay exact doubles: 1e20 is refused, not looked up. */
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const Text = Type.String({ minLength: 1, maxLength: 16000 })

const frame = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ref: Ref, ...props }, { additionalProperties: false })

/** Every frame a client may send, by type. Each carries a `ref` echoed in the `ack` or `error`. */
export const ClientFrames = {
  auth: frame('auth', { token: Type.String({ minLength: 1, maxLength: 256 }) }),
  create: frame('create', {
    room: RoomName,
    private: Type.Optional(Type.Boolean()),
    topic: Type.Optional(Type.String({ maxLength: 256 })),
  }),
  join: frame('join', {
    room: RoomName,
    since: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    rev: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  }),
  leave: frame('leave', { room: RoomName }),
  say: frame('say', {
    room: RoomName,
    text: Text,
    txn: Type.String({ minLength: 1, maxLength: 64 }),
    replyTo: Type.Optional(Seq),
    /** Bridge accounts only: the remote sender, `name@network`. */
    as: Type.Optional(RemoteName),
    /** Ids from `POST /api/v1/rooms/:room/attachments`, uploaded by the sender to this room. */
    attachments: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10 })),
  }),
  edit: frame('edit', { room: RoomName, seq: Seq, text: Text }),
  delete: frame('delete', { room: RoomName, seq: Seq }),
  history: frame('history', {
    room: RoomName,
    before: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  }),
  typing: frame('typing', { room: RoomName }),
  rooms: frame('rooms', {}),
  members: frame('members', { room: RoomName }),
  invite: frame('invite', { room: RoomName, user: UserName }),
  kick: frame('kick', { room: RoomName, user: UserName, reason: Type.Optional(Type.String({ maxLength: 256 })) }),
  ban: frame('ban', { room: RoomName, user: UserName, reason: Type.Optional(Type.String({ maxLength: 256 })) }),
  unban: frame('unban', { room: RoomName, user: UserName }),
  role: frame('role', {
    room: RoomName,
    user: UserName,
    role: Type.Union([Type.Literal('moderator'), Type.Literal('member')]),
  }),
  /** Open (or find again) the direct conversation with `user`; the ack names its room. */
  dm: frame('dm', { user: UserName }),
}
export type ClientFrameType = keyof typeof ClientFrames
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof ClientFrames)[T]>
export type ClientFrame = { [T in ClientFrameType]: ClientFrameOf<T> }[ClientFrameType]
export const CLIENT_FRAME_TYPES = Object.keys(ClientFrames) as ClientFrameType[]

export type RoleName = 'owner' | 'moderator' | 'member'

export type RoomKindName = 'room' | 'direct'

export interface RoomSummary {
  name: string
  private: boolean
  /** 'direct': a direct conversation (always private, two members, opened with `dm`). */
  kind: RoomKindName
  /** Direct rooms: the other participant (absent when that account was removed). */
  peer?: string
  topic: string
  members: number
  /** Highest message sequence number in the room. */
  seq: number
  /** Your role, when you are a member. */
  role?: RoleName
}

export interface MessageView {
  room: string
  seq: number
  /** The account, or a bridged remote sender (`name@network`). */
  from: string
  /** For bridged messages: the bridge account that relayed it. */
  via?: string
  text: string | null
  ts: number
  txn?: string
  replyTo?: number
  editedAt?: number
  deletedAt?: number
  bot?: boolean
  /** Files the message carries (download with GET /api/v1/attachments/:id). */
  attachments?: AttachmentView[]
}

/** An attachment as messages carry it; `mime` is sniffed by the hub, `width`/`height` for images. */
export interface AttachmentView {
  id: string
  name: string
  mime: string
  size: number
  width?: number
  height?: number
}

export interface MemberView {
  user: string
  role: RoleName
  online: boolean
}

/** What the `ack` to each client frame carries besides `type` and `ref`. */
export interface AckResults {
  auth: { user: string; admin: boolean; protocol: number }
  create: { room: string }
  join: {
    room: string
    seq: number
    rev: number
    replayed: number
    more: boolean
    /** Who is online, at most 50 names (the first to arrive, sorted); `members` lists everyone. */
    online: string[]
    /** How many users are online in the room. */
    onlineCount: number
  }
  leave: { room: string }
  say: { room: string; seq: number; duplicate: boolean }
  edit: { room: string; seq: number }
  delete: { room: string; seq: number }
  history: { room: string; messages: MessageView[]; more: boolean }
  typing: Record<string, never>
  rooms: { rooms: RoomSummary[] }
  members: { room: string; members: MemberView[] }
  invite: { room: string; user: string }
  kick: { room: string; user: string }
  ban: { room: string; user: string }
  unban: { room: string; user: string }
  role: { room: string; user: string; role: RoleName }
  /** `user`: the peer; `seq`: the conversation's latest seq; `created`: this call opened it. */
  dm: { room: string; user: string; seq: number; created: boolean }
}

export type AckFrame<T extends ClientFrameType = ClientFrameType> = { type: 'ack'; ref: string } & AckResults[T]

export interface ErrorFrame {
  type: 'error'
  code: string
  message: string
  ref?: string
  retryAfter?: number
}

/** Events pushed by the server. */
export type EventFrame =
  | ({ type: 'message' } & MessageView)
  | { type: 'edited'; room: string; seq: number; text: string; editedAt: number; rev: number }
  | { type: 'deleted'; room: string; seq: number; by: string; deletedAt: number; rev: number }
  | { type: 'typing'; room: string; user: string }
  | { type: 'presence'; room: string; user: string; status: 'online' | 'offline' }
  | { type: 'joined'; room: string; user: string }
  | { type: 'left'; room: string; user: string }
  | { type: 'kicked'; room: string; by: string; reason: string; banned: boolean }
  | { type: 'invited'; room: string; by: string }
  | { type: 'notice'; room?: string; text: string; ref?: string }

export type ServerFrame = AckFrame | ErrorFrame | EventFrame
export type EventType = EventFrame['type']
export type EventOf<T extends EventType> = Extract<EventFrame, { type: T }>

export { CloseCodes } from './close-codes.ts'
