// What a bridge is: one network's small typed interface (connect, disconnect, send outward, receive
// inward, health) plus its capabilities. The hub side (hub clients, ledger, queue, reconnects) is
// core/bridges/runner.ts; a new network is one plugin folder implementing BridgeDefinition.
import type { FastifyBaseLogger } from 'fastify'
import { type Static, Type } from '#typebox'

export type Awaitable<T> = T | Promise<T>

/** What a network supports; the runner adapts hub events to it and `chathub room info` reports it. */
export interface BridgeCapabilities {
  /** Messages can be edited remotely (false: an edit goes out once as a short correction line). */
  edits: boolean
  /** Messages can be deleted remotely (false: deletes stay on the hub). */
  deletes: boolean
  reactions: boolean
  /** Replies keep their thread remotely (false: a reply is prefixed with whom it answers). */
  threads: boolean
  /** Largest text per remote message, in UTF-8 bytes, including what `overhead` adds; longer text is split. */
  maxLength: number
  /**
   * Text may contain line breaks. False for line-based networks (IRC): each line becomes its own
   * remote message, and no CR or LF reaches send() in any field (core/bridges/safe-text.ts). NUL
   * never reaches send(), whatever the network.
   */
  multiline: boolean
  /** Files can be sent (false: attachments become links). */
  attachments: boolean
  /** The remote side is end-to-end encrypted (false: "not private" in `chathub room info`). */
  encryption: boolean
}

/** One link: a hub room joined to one place on a network. */
export interface LinkInfo {
  /** Short stable id (hash of room and target); used in hub txns and the ledger. */
  id: string
  room: string
  /** `<network>:<address>`, as in the config file and `chathub bridge link`. */
  target: string
  /** The target without `<network>:`. */
  address: string
}

/** Something said on the remote side, handed to the runner, which posts it into the hub room. */
export type InboundEvent =
  | {
      type: 'message'
      /** Unique within the link (the network's message id, or one the bridge makes up). */
      remoteId: string
      /** The remote sender's name, without `@network` (the runner adds it). */
      sender: string
      /** Already in hub formatting (markdown), see BridgeDefinition.formatting. */
      text: string
      /** A `/me` action. */
      action?: boolean
      /** Remote id of the message this one answers. */
      replyTo?: string
    }
  /** An edit or delete is applied only when the ledger has `remoteId` from the same sender. */
  | { type: 'edit'; remoteId: string; sender: string; text: string }
  | { type: 'delete'; remoteId: string; sender: string }
  /**
   * "Replace `find` with `replace` in my last message" (IRC's `s/old/new/`): the runner edits the
   * sender's latest message on this link, read from the hub, when it contains `find` (both in remote
   * formatting); otherwise `text`, the line as written, is posted as an ordinary message with
   * `remoteId`.
   */
  | {
      type: 'correction'
      remoteId: string
      sender: string
      find: string
      replace: string
      text: string
    }

/** Something said on the hub, for the bridge to send out. Text is already split and formatted. */
export type OutboundItem =
  | {
      type: 'message'
      seq: number
      /** Hub sender: a local account, or `name@network` relayed from another bridge. */
      from: string
      /** One or more parts, each within capabilities.maxLength once the bridge adds its overhead. */
      parts: string[]
      action?: boolean
      /** Present when the message answers another one. */
      replyTo?: { seq: number; from?: string; remoteId?: string }
      /**
       * Files of the message, with their hub URLs. Where the network has no attachments the runner
       * has also put a link line per file into `parts`.
       */
      attachments?: { name: string; mime: string; size: number; url: string }[]
    }
  | { type: 'edit'; seq: number; from: string; text: string; remoteId: string }
  | { type: 'delete'; seq: number; from: string; remoteId: string }
  /**
   * A hub user added or took back a reaction (networks with `reactions` only; the others get the
   * `reactionLine` as a message). `remoteId`: the message on the network, when the ledger has it.
   */
  | { type: 'reaction'; seq: number; from: string; emoji: string; added: boolean; remoteId?: string }
  /** `count` outbound items were dropped while the link was down (queue full). */
  | { type: 'dropped'; count: number }

/** The handle a bridge's connection gets from the runner. */
export interface BridgeContext {
  link: LinkInfo
  log: FastifyBaseLogger
  /**
   * Hand a remote event to the hub side. Events are applied in order; the promise (which never
   * rejects) gives the hub sequence number once posted, or undefined when the hub refused or dropped it.
   */
  inbound(event: InboundEvent): Promise<number | undefined>
  /**
   * The connection dropped, or stopped relaying (e.g. the server no longer answers): the runner
   * marks the link down with `error` as its last error and reconnects with back-off.
   */
  down(error: string): void
}

/** One link's connection to the remote side. */
export interface BridgeConnection {
  /** Connect and be ready to send (e.g. registered and in the channel); throw to retry later. */
  connect(): Promise<void>
  disconnect(): Promise<void>
  /**
   * Deliver one item; resolve with the remote ids it got (for the ledger) once the remote side has
   * it (IRC: the server answered a PING sent after it). Throw when the remote side is down or stops
   * answering: the item stays queued and is sent again after a reconnect. The item's text is safe
   * for the network's capabilities (see `multiline`).
   */
  send(item: OutboundItem): Promise<string[] | void>
  health(): { connected: boolean; detail?: string }
}

/** A network: everything the runner needs to bridge rooms to it. */
export interface BridgeDefinition {
  /** Lowercase network label: target prefix (`irc:`) and remote sender suffix (`alice@irc`). */
  network: string
  capabilities: BridgeCapabilities
  /** Check a target address (without `<network>:`); throw a ChatError naming what is wrong. */
  checkAddress(address: string): void
  /** Bytes the bridge adds around one part of text (e.g. `<alice> `), subtracted from maxLength. */
  overhead?(from: string): number
  /** Translate formatting: hub text is markdown-ish; identity when absent. */
  formatting?: { toRemote(text: string): string; fromRemote(text: string): string }
  /** Build the connection of one link (not connected yet). */
  open(ctx: BridgeContext): BridgeConnection
}

export const defineBridge = (definition: BridgeDefinition): BridgeDefinition => definition

/** A link as written in a bridge plugin's config. */
export const LinkConfig = Type.Object(
  {
    room: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'hub room' }),
    target: Type.String({
      minLength: 3,
      description: '`<network>:<address>`, e.g. `irc:local/#chathub`',
    }),
  },
  { additionalProperties: false },
)

/** Options every bridge plugin takes (spread into its config schema). */
export const BridgeOptions = {
  links: Type.Array(LinkConfig, {
    default: [],
    description: 'rooms linked at start (more with `chathub bridge link`)',
  }),
  queueMax: Type.Integer({
    minimum: 1,
    default: 1000,
    description:
      'outbound items kept per link while the remote side is down; older ones are dropped and counted',
  }),
  reconnectMinMs: Type.Integer({
    minimum: 10,
    default: 1000,
    description: 'first reconnect delay (doubles each try)',
  }),
  reconnectMaxMs: Type.Integer({
    minimum: 10,
    default: 60000,
    description: 'longest reconnect delay',
  }),
  publicUrl: Type.String({
    default: '',
    description:
      'base URL of the attachment links sent to networks without files (default: the URL the hub listens on)',
  }),
  pollMs: Type.Integer({
    minimum: 50,
    default: 1000,
    description: 'how often the hub looks for links added or removed with the CLI',
  }),
  reactionLine: Type.String({
    maxLength: 200,
    default: 'reacted {emoji} to {to}: "{excerpt}"',
    description:
      'networks without reactions (IRC): the line an added reaction becomes, sent as an action of the one ' +
      'who reacted ({emoji}, {to}: whose message, {excerpt}: its first words); "" relays no reactions',
  }),
}
export const BridgeOptionsSchema = Type.Object(BridgeOptions)
export type BridgeOptionsValue = Static<typeof BridgeOptionsSchema>
