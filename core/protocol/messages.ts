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
/** A search bound: ms since the epoch, or an ISO date or time (`2025-03-01`, `2025-03-01T14:30:00Z`). */
const SearchTime = Type.Union([Type.Integer({ minimum: 0, maximum: 8.64e15 }), Type.String({ minLength: 1, maxLength: 64 })])

/** A device of an account (a CLI credentials home, a browser): chosen by the device, unique per account. */
export const DeviceId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'device id' })
/** Binary data (MLS messages, keys, signatures) as standard base64. */
const Base64 = (maxBytes: number) =>
  Type.String({ minLength: 1, maxLength: Math.ceil(maxBytes / 3) * 4, pattern: '^[A-Za-z0-9+/]+={0,2}$' })
/** The largest MLS message (Commit, Welcome, GroupInfo, application message) the hub carries, in bytes. */
export const MLS_MESSAGE_MAX = 512 * 1024
/**
 * The largest `mls` frame the hub reads (its data, GroupInfo and Welcome at their largest, in base64,
 * plus the other fields), above `limits.maxFrameBytes`: a Commit that adds a hundred devices does
 * not fit in 64 KiB. Only an authenticated connection may send one, and only of type `mls`.
 */
export const MLS_FRAME_MAX = 3 * Math.ceil(MLS_MESSAGE_MAX / 3) * 4 + 16 * 1024

const frame = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ref: Ref, ...props }, { additionalProperties: false })

/** Every frame a client may send, by type. Each carries a `ref` echoed in the `ack` or `error`. */
export const ClientFrames = {
  /** Without `token`: the session cookie sent with the upgrade, if its Origin is allowed (docs/web.md). */
  auth: frame('auth', { token: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }),
  create: frame('create', {
    room: RoomName,
    private: Type.Optional(Type.Boolean()),
    topic: Type.Optional(Type.String({ maxLength: 256 })),
    /**
     * An end-to-end encrypted room (docs/e2e.md): only MLS messages (`mls`) go in; the connection
     * must have a device (`device`). `suite`: the MLS cipher suite; 1 (X25519, AES-128-GCM, SHA-256, Ed25519) for now.
     */
    e2e: Type.Optional(Type.Boolean()),
    suite: Type.Optional(Type.Literal(1)),
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
    /** Only this thread: its root message and its replies. */
    thread: Type.Optional(Seq),
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
  dm: frame('dm', {
    user: UserName,
    /**
     * A new conversation is end-to-end encrypted (docs/e2e.md, "Direct messages"): the connection
     * must have a device, which then makes the group. An existing conversation stays as it is.
     * With the hub's `e2e.directMessages` on, a new one must be. `suite`: as with `create`.
     */
    e2e: Type.Optional(Type.Boolean()),
    suite: Type.Optional(Type.Literal(1)),
  }),
  /** Full-text search of the messages you may read, newest first (docs/protocol.md, "Search"). */
  search: frame('search', {
    /** Words, "phrases", prefix*, -left-out, OR; at most 256 characters (longer: CHATHUB_SEARCH_QUERY_TOO_LONG). */
    q: Type.String({ minLength: 1, maxLength: 4000 }),
    room: Type.Optional(RoomName),
    /** Only messages shown as sent by this user, or by this bridged sender (`name@network`). */
    from: Type.Optional(Type.Union([UserName, RemoteName])),
    /** Sent at or after this time. */
    after: Type.Optional(SearchTime),
    /** Sent before this time. */
    before: Type.Optional(SearchTime),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** The `cursor` of the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  }),
  /** Follow a thread (`seq`: its root) to get a `thread` event for each reply, or stop with `follow: false`. */
  thread: frame('thread', { room: RoomName, seq: Seq, follow: Type.Boolean() }),
  /** Add (or with `remove`, take back) your emoji reaction to a message. */
  react: frame('react', {
    room: RoomName,
    seq: Seq,
    /** One emoji (with skin tone, ZWJ sequence or flag): 👍, 👍🏽, 🇫🇷. */
    emoji: Type.String({ minLength: 1, maxLength: 32 }),
    remove: Type.Optional(Type.Boolean()),
  }),
  /** The chat commands you may run in a room you are a member of (what `/help` lists there). */
  commands: frame('commands', { room: RoomName }),
  /** Moderators and owners: set the room's topic (`""` clears it); followers get a `topic` event. */
  topic: frame('topic', { room: RoomName, topic: Type.String({ maxLength: 256 }) }),
  /** Mark the room read up to `seq` (members; only forward, capped at the room's newest message). */
  read: frame('read', { room: RoomName, seq: Seq }),
  /** Moderators and owners: turn the room's read receipts ("seen by") on or off. */
  receipts: frame('receipts', { room: RoomName, enabled: Type.Boolean() }),

  // End-to-end encryption (docs/e2e.md). The hub is MLS's Delivery Service: it orders, stores and
  // hands out what devices send, and never holds a device's private keys.

  /**
   * Register this connection's device (or bind an already registered one): its Ed25519 signature
   * public key, and `vouch`: an existing device of the same account signing for it
   * (docs/e2e.md, "Vouching"). An account's first device needs no vouch (trusted on first use).
   */
  device: frame('device', {
    device: DeviceId,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    key: Base64(64),
    vouch: Type.Optional(Type.Object({ by: DeviceId, signature: Base64(128) }, { additionalProperties: false })),
  }),
  /** An existing device of yours vouches for another one of yours, registered before without a vouch. */
  vouch: frame('vouch', { device: DeviceId, by: DeviceId, signature: Base64(128) }),
  /** A user's registered devices, with their keys and vouches (any user's: clients check them). */
  devices: frame('devices', { user: UserName }),
  /** Rename one of your devices. */
  'device.rename': frame('device.rename', { device: DeviceId, name: Type.String({ minLength: 1, maxLength: 64 }) }),
  /** Remove one of your devices: its KeyPackages go, and its leaves leave your E2E rooms. */
  'device.remove': frame('device.remove', { device: DeviceId }),
  /**
   * Publish KeyPackages of this connection's device (MLS `mls_key_package` messages): one-time
   * ones, and at most one `lastResort` that replaces the previous one and is handed out when none is left.
   */
  keypackages: frame('keypackages', {
    packages: Type.Array(Base64(16 * 1024), { maxItems: 100 }),
    lastResort: Type.Optional(Base64(16 * 1024)),
  }),
  /**
   * Claim one KeyPackage of each device of `user` to add them to the E2E `room`: the caller is a
   * member; `user` is a member or invited there (or the caller themself, for their new devices).
   */
  claim: frame('claim', { room: RoomName, user: UserName }),
  /**
   * An MLS message into an E2E room (a PrivateMessage, or a Commit as a PublicMessage). A Commit
   * must be for the room's current epoch (the first one wins; later ones get
   * CHATHUB_E2E_STALE_EPOCH) and comes with the new epoch's GroupInfo, and a Welcome for the
   * devices it adds (`welcome`, sent to `to`: the users added).
   */
  mls: frame('mls', {
    room: RoomName,
    txn: Type.String({ minLength: 1, maxLength: 64 }),
    data: Base64(MLS_MESSAGE_MAX),
    groupInfo: Type.Optional(Base64(MLS_MESSAGE_MAX)),
    welcome: Type.Optional(Base64(MLS_MESSAGE_MAX)),
    to: Type.Optional(Type.Array(UserName, { minItems: 1, maxItems: 100 })),
    /** A Commit: the users whose every leaf it removes (the hub stops holding messages back for them). */
    removed: Type.Optional(Type.Array(UserName, { minItems: 1, maxItems: 100 })),
    /** An encrypted delete: the message whose ciphertext the hub may drop (yours, or any as a moderator). */
    deletes: Type.Optional(Seq),
    /**
     * An application message's files: ids of encrypted uploads of yours to this room (their keys are
     * inside the message), linked to it as `say` links attachments, so they live and go with it.
     */
    attachments: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10 })),
  }),
  /** The room's current GroupInfo (with its ratchet tree) and epoch: for a member resyncing. */
  groupinfo: frame('groupinfo', { room: RoomName }),
}
export type ClientFrameType = keyof typeof ClientFrames
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof ClientFrames)[T]>
export type ClientFrame = { [T in ClientFrameType]: ClientFrameOf<T> }[ClientFrameType]
export const CLIENT_FRAME_TYPES = Object.keys(ClientFrames) as ClientFrameType[]

export type RoleName = 'owner' | 'moderator' | 'member'

export type RoomKindName = 'room' | 'direct'

/** Unread and mention counts stop here: 1000 means "a thousand or more". */
export const UNREAD_COUNT_MAX = 1000

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
  /** Where you are a member: messages after your read marker, not yours, not deleted (at most 1000). */
  unread?: number
  /** Where you are a member: unread messages that mention you (at most 1000). */
  mentions?: number
  /** The room shows its members how far each has read (`receipt` events, `read` in `members`). */
  readReceipts?: boolean
  /** An end-to-end encrypted room: its MLS group. */
  e2e?: E2eRoomView
}

/** An E2E room's MLS group as the hub sees it. */
export interface E2eRoomView {
  /** The MLS cipher suite (1: X25519, AES-128-GCM, SHA-256, Ed25519). */
  suite: number
  /** The MLS group id, base64. */
  group: string
  /** The epoch of the last Commit the hub accepted (0: the group as created). */
  epoch: number
}

/** An MLS message as the hub stores and delivers it (in a `message` event or history, with `text: null`). */
export interface MlsView {
  /** The MLS message, base64. */
  data: string
  /** The sending device. */
  device: string
  epoch: number
  /** What the hub could see of it: an application message, a proposal or a commit. */
  kind: 'application' | 'proposal' | 'commit'
  /** A Commit: the users it added (their devices have a Welcome). */
  added?: string[]
  /** A Commit: the users whose leaves it removed. */
  removed?: string[]
}

/** A device as `devices` lists it. */
export interface DeviceView {
  device: string
  name: string
  /** Ed25519 signature public key, base64. */
  key: string
  /** The account's first device: trusted on first use. */
  first: boolean
  /** The device of the same account that vouched for this one, and its signature (docs/e2e.md). */
  vouch?: { by: string; signature: string }
  createdAt: number
}

/** A Welcome waiting for one of your devices: the Commit at `seq` added it to the room's group. */
export interface WelcomeView {
  room: string
  seq: number
  /** The Welcome, base64. */
  data: string
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
  /** Emoji reactions, in the order first used. */
  reactions?: ReactionView[]
  /** A reply: the seq of its thread's root (replies to replies join the root's thread). */
  thread?: number
  /** A thread's root: how many replies it has and the latest one's seq and time. */
  replies?: { count: number; last: number; lastTs: number }
  /** The members it mentions by name, in order, then "@room" when it mentions everyone. */
  mentions?: string[]
  /** In an E2E room: the MLS message (the hub has no text). */
  mls?: MlsView
  /** Decrypted on this device (set by the client's E2E session, never by the hub): the sending device. */
  e2e?: { device: string }
  /** An E2E message this device could not decrypt (set by the client): a stable code, why, and what to do. */
  undecryptable?: { code: string; reason: string; message: string }
}

/** One emoji on a message: how many reacted with it, and who (in the order they did). */
export interface ReactionView {
  emoji: string
  count: number
  users: string[]
}

/** An attachment as messages carry it; `mime` is sniffed by the hub, `width`/`height` for images. */
export interface AttachmentView {
  id: string
  name: string
  mime: string
  size: number
  width?: number
  height?: number
  /**
   * In an E2E room (set by the client from the decrypted message, never by the hub): the hub's file
   * is ciphertext; this is its AES-GCM key and the plaintext's SHA-256 (base64). `name`, `mime`
   * and `size` are then the sender's, from inside the message.
   */
  e2e?: { key: string; sha256: string }
}

/** A pending invitation: a room you may `join` and are not a member of yet. */
export interface InviteView {
  room: string
  private: boolean
  topic: string
  members: number
  /** Highest message sequence number in the room. */
  seq: number
  /** Who invited you (absent when that account was removed). */
  by?: string
  /** When, in ms since the epoch. */
  at: number
}

/** A chat command, as the `commands` ack lists it. */
export interface CommandView {
  /** What to type after the `/`: `help`, `stego capacity`, or a command bare when that reaches it (`poll`). */
  name: string
  /** The plugin it belongs to; absent for the hub's own. */
  plugin?: string
  /** Its arguments, e.g. `WIDTHxHEIGHT`. */
  usage?: string
  /** One line on what it does. */
  summary?: string
}

export interface MemberView {
  user: string
  role: RoleName
  online: boolean
  /** With read receipts on (shown to members): the seq this member has read up to. */
  read?: number
}

/** Your read marker in a room and what is still unread after it (as in the rooms list). */
export interface ReadMarker {
  room: string
  /** You have read up to this seq (0: nothing yet). */
  seq: number
  unread: number
  mentions: number
}

/** A search result: the message as history shows it, and the text around the match. */
export interface SearchHit {
  message: MessageView
  /** Up to 16 words of the text around the match; `…` where it was cut. */
  snippet: string
  /** The matched words in `snippet`: [start, end) offsets in UTF-16 code units (JavaScript string indices). */
  marks: [number, number][]
  /**
   * Set by the client SDK, never by the hub: where the hit was found, the hub's index (`hub`) or
   * this device's decrypted log of an end-to-end encrypted room (`device`).
   */
  source?: 'hub' | 'device'
}

/** What the `ack` to each client frame carries besides `type` and `ref`. */
export interface AckResults {
  auth: { user: string; admin: boolean; protocol: number }
  create: { room: string; e2e?: E2eRoomView }
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
    /** An E2E room: its group, and the Welcome waiting for this connection's device, if any. */
    e2e?: E2eRoomView & { welcome?: WelcomeView }
  }
  leave: { room: string }
  say: { room: string; seq: number; duplicate: boolean }
  edit: { room: string; seq: number }
  delete: { room: string; seq: number }
  history: { room: string; messages: MessageView[]; more: boolean }
  typing: Record<string, never>
  /** `invites`: your pending invitations (rooms you may join), by room name. */
  rooms: { rooms: RoomSummary[]; invites: InviteView[] }
  members: { room: string; members: MemberView[] }
  invite: { room: string; user: string }
  kick: { room: string; user: string }
  ban: { room: string; user: string }
  unban: { room: string; user: string }
  role: { room: string; user: string; role: RoleName }
  /**
   * `user`: the peer; `seq`: the conversation's latest seq; `created`: this call opened it;
   * `e2e`: an end-to-end encrypted conversation's group (made by the opener's device when `created`).
   */
  dm: { room: string; user: string; seq: number; created: boolean; e2e?: E2eRoomView }
  /** Newest first; with `more`, pass `cursor` to get the next (older) page. */
  search: { results: SearchHit[]; more: boolean; cursor?: string }
  /** `changed`: false when it was so already. */
  thread: { room: string; seq: number; following: boolean; changed: boolean }
  /** `changed`: false when the reaction was already there (add) or not there (remove). */
  react: { room: string; seq: number; emoji: string; changed: boolean }
  /** The hub's commands first, then each plugin's, in load order. */
  commands: { room: string; commands: CommandView[] }
  topic: { room: string; topic: string }
  /** Your marker as stored: further than asked when it already was. */
  read: ReadMarker
  receipts: { room: string; enabled: boolean }
  /** `first`: the account's first device (trusted on first use); `welcomes`: what waits for it. */
  device: { device: string; first: boolean; vouched: boolean; welcomes: WelcomeView[] }
  vouch: { device: string; by: string }
  devices: { user: string; devices: DeviceView[] }
  'device.rename': { device: string; name: string }
  'device.remove': { device: string }
  /** How many one-time KeyPackages the device has now, and whether it has a last-resort one. */
  keypackages: { device: string; available: number; lastResort: boolean }
  /** One KeyPackage per device of the user that has one (devices with none are listed in `missing`). */
  claim: { room: string; user: string; packages: { device: string; data: string }[]; missing: string[] }
  mls: { room: string; seq: number; epoch: number; duplicate: boolean }
  groupinfo: { room: string; epoch: number; groupInfo?: string }
}

export type AckFrame<T extends ClientFrameType = ClientFrameType> = { type: 'ack'; ref: string } & AckResults[T]

export interface ErrorFrame {
  type: 'error'
  code: string
  message: string
  ref?: string
  retryAfter?: number
  /** CHATHUB_E2E_STALE_EPOCH: the room's current epoch (fetch what you missed up to it, then retry). */
  epoch?: number
}

/** Events pushed by the server. */
export type EventFrame =
  | ({ type: 'message' } & MessageView)
  | { type: 'edited'; room: string; seq: number; text: string; editedAt: number; rev: number; mentions?: string[] }
  | { type: 'deleted'; room: string; seq: number; by: string; deletedAt: number; rev: number }
  /**
   * A reply in a thread you follow (you wrote its root, replied to it, or followed it), sent to
   * all your connections whether they follow the room or not.
   */
  | { type: 'thread'; room: string; root: number; seq: number; from: string }
  /** Someone added or removed a reaction (live). */
  | { type: 'reaction'; room: string; seq: number; emoji: string; user: string; added: boolean; rev: number }
  /** A message's reactions as they are now (catch-up after `rev`: sent for each changed message). */
  | { type: 'reactions'; room: string; seq: number; reactions: ReactionView[]; rev: number }
  | { type: 'typing'; room: string; user: string }
  | { type: 'presence'; room: string; user: string; status: 'online' | 'offline' }
  | { type: 'joined'; room: string; user: string }
  | { type: 'left'; room: string; user: string }
  | { type: 'kicked'; room: string; by: string; reason: string; banned: boolean }
  | { type: 'invited'; room: string; by: string }
  /** The room's topic changed (`by` a moderator or owner, or "admin" for `chathub room set`). */
  | { type: 'topic'; room: string; topic: string; by: string }
  | { type: 'notice'; room?: string; text: string; ref?: string }
  /** You marked a room read on another connection. */
  | ({ type: 'read' } & ReadMarker)
  /** Read receipts: a member has read up to `seq` (at most one per member per second). */
  | { type: 'receipt'; room: string; user: string; seq: number }
  /** The room's read receipts were turned on or off (`by` a moderator or owner, or "admin"). */
  | { type: 'receipts'; room: string; enabled: boolean; by: string }
  /** A message mentions you (to all your connections, also where you do not follow the room). */
  | { type: 'mention'; room: string; seq: number; from: string }
  /** A Commit added one of your devices to an E2E room (to the connections of that device). */
  | ({ type: 'welcome' } & WelcomeView)
  /** E2E rooms: a user left or was removed and their leaves are still in the group; a member's device commits the removal. */
  | { type: 'e2e.remove'; room: string; users: string[] }
  /** One of your devices was added, renamed or removed, or one of a room member's (clients refresh their lists). */
  | { type: 'devices'; user: string }
  /** Your device has few one-time KeyPackages left (publish more with `keypackages`). */
  | { type: 'keypackages.low'; device: string; available: number }

export type ServerFrame = AckFrame | ErrorFrame | EventFrame
export type EventType = EventFrame['type']
export type EventOf<T extends EventType> = Extract<EventFrame, { type: T }>

export { CloseCodes } from './close-codes.ts'
