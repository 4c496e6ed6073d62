// The shapes that cross the bots plugin's two boundaries: host <-> isolate (events in, actions out,
// host calls) and hub plugin <-> bot host child process (IPC). All plain JSON.
// Over IPC the plugin hands the bot host each bot's inputs (translated from the hub's committed
// events, hub-feed.ts) and answers its calls: store, and the hub (say, members) as the bot's account.

/** A chat message as a bot sees it. */
export interface BotMessage {
  room: string
  seq: number
  from: string
  text: string
  /** Set when the sender is a bot or bridge account. */
  bot?: boolean
  replyTo?: number
  /** Set in a direct conversation with the bot (every message there is addressed to it). */
  direct?: boolean
}

/** What the host asks the isolate to handle. `now` is the host clock (ms), which the bot's Date follows. */
/**
 * An event for a bot. `now` is the host clock's time; with `frozen` (the harness's virtual clock)
 * the bot's `Date` stays at `now` during the event instead of running on with real time.
 */
export type BotEvent = (
  | { kind: 'message'; now: number; message: BotMessage; addressed?: string }
  | { kind: 'command'; now: number; name: string; args: string[]; raw: string; message: BotMessage }
  | { kind: 'event'; now: number; name: BotEventName; data: Record<string, unknown>; message?: BotMessage }
  | { kind: 'tick'; now: number; id: number }
) & { frozen?: boolean }

export type BotEventName = 'join' | 'leave' | 'edit' | 'delete' | 'attachment'

/** What a handler asked for; performed by the host after checks (rooms, rate). */
export type BotAction =
  | { a: 'send'; room: string; text: string; replyTo?: number }
  | { a: 'react'; room: string; seq: number; emoji: string }
  | { a: 'log'; text: string }

/** Async calls from a handler to the host. */
export type HostOp =
  | { op: 'store.get'; key: string }
  | { op: 'store.set'; key: string; value: string }
  | { op: 'store.delete'; key: string }
  | { op: 'store.keys' }
  | { op: 'fetch'; url: string; method: string; headers: Record<string, string>; body?: string }

export type StoreOp = Extract<HostOp, { op: `store.${string}` }>

/** What a bot registered while loading. */
export interface BotManifest {
  commands: CommandInfo[]
  schedules: { kind: 'every' | 'at'; spec: string }[]
  events: BotEventName[]
  responds: boolean
}

export interface CommandInfo {
  name: string
  help: string
  usage: string
  sensitive: boolean
}

/** Who may run a command (Errbot-style access controls); empty or absent lists allow everyone. */
export interface CommandAcl {
  /** Room roles (`owner`, `moderator`, `member`) or `admin` (hub admins). */
  roles?: string[]
  users?: string[]
  rooms?: string[]
  /** Require a fresh TOTP step-up (when the totp plugin is enabled). */
  sensitive?: boolean
}

/** A bot as the child process needs it. */
export interface BotSpec {
  name: string
  file: string
  rooms: string[]
  fetchAllow: string[]
  commands: Record<string, CommandAcl>
  permissions: { store: boolean; schedules: boolean }
}

export interface HostLimits {
  memoryMb: number
  cpuMsPerEvent: number
  wallMsPerEvent: number
  sendsPerSecond: number
  sendBurst: number
  queueMax: number
  fetchTimeoutMs: number
  fetchMaxBytes: number
  storeQuotaBytes: number
  /** Missed messages replayed per room when a bot (re)connects; 0: none. */
  replayMissed: number
  /** Overruns one user may cause within overrunWindowMs before the bot ignores them; 0: no limit. */
  overrunsPerUser: number
  overrunWindowMs: number
}

/**
 * What the plugin hands the bot host for one bot, translated from the hub's committed events: a
 * message (with one `attachment` event per file, metadata only) or a room event.
 */
export type BotInput =
  | { kind: 'message'; message: BotMessage; attachments: Record<string, unknown>[] }
  | { kind: 'event'; name: Exclude<BotEventName, 'attachment'>; data: Record<string, unknown> }

/** What a bot asks of the hub, as its account (the plugin calls the bot's HubActor). */
export type HubOp = { op: 'say'; room: string; text: string; replyTo?: number } | { op: 'members'; room: string }

/** A refused store or hub call: the error's code (CHATHUB_RATE_LIMITED carries retryAfter). */
export interface CallError {
  code: string
  message: string
  retryAfter?: number
}

/** Who ran a command, as the plugin hands it to the child. */
/** A command a bot offers the caller, for /help. */
export interface HelpEntry extends CommandInfo {
  bot: string
}

export interface CommandCaller {
  user: string
  room: string
  admin: boolean
}

export type ParentToChild =
  | { t: 'init'; limits: HostLimits; inflightFile: string }
  | { t: 'load'; bot: BotSpec }
  | { t: 'stop'; bot: string }
  | { t: 'command'; id: number; bot: string; name: string; args: string[]; caller: CommandCaller }
  | { t: 'help'; id: number; caller: CommandCaller }
  /** Inputs of the bots' rooms, in commit order (one IPC message per turn of the plugin). */
  | { t: 'feed'; items: { bot: string; input: BotInput }[] }
  /** The bot takes part in a direct room (sent before any input or command of that room). */
  | { t: 'direct'; bot: string; room: string }
  | { t: 'store-result'; id: number; value?: unknown; error?: CallError }
  | { t: 'hub-result'; id: number; value?: unknown; error?: CallError }

export type BotState = 'starting' | 'running' | 'failed' | 'disabled' | 'stopped'

export type ChildToParent =
  | { t: 'ready' }
  | { t: 'loaded'; bot: string; manifest: BotManifest }
  | { t: 'fault'; bot: string; kind: string; message: string }
  /** An event from `user` ran over its budget and was skipped; the bot runs on (not a failure). */
  | { t: 'overrun'; bot: string; kind: string; message: string; user: string; cooldownMs: number }
  | { t: 'log'; bot: string; level: 'info' | 'warn' | 'error'; text: string }
  | {
      t: 'result'
      id: number
      text?: string
      /** The answer to `help`. */
      commands?: HelpEntry[]
      error?: { code: string; message: string; retryAfter?: number }
    }
  | { t: 'store'; id: number; bot: string; op: StoreOp }
  /** Say or look up members as the bot's account; answered with `hub-result`. */
  | { t: 'hub'; id: number; bot: string; op: HubOp }
  /**
   * The bot is done with these messages (its handlers got them, or it ignored them): the plugin
   * moves the bot's cursors. A message not reported is handed over again when the bot comes back.
   */
  | { t: 'done'; bot: string; messages: { room: string; seq: number }[] }
