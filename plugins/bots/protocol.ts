// The shapes that cross the bots plugin's two boundaries: host <-> isolate (events in, actions out,
// host calls) and hub plugin <-> bot host child process (IPC). All plain JSON.

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
  /** Scoped bot token (wire protocol); never logged. */
  token: string
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

/** Who ran a command, as the plugin hands it to the child. */
export interface CommandCaller {
  user: string
  room: string
  admin: boolean
}

export type ParentToChild =
  | { t: 'init'; url: string; limits: HostLimits; inflightFile: string; cursorDir: string }
  | { t: 'load'; bot: BotSpec }
  | { t: 'stop'; bot: string }
  | { t: 'command'; id: number; bot: string; name: string; args: string[]; caller: CommandCaller }
  | { t: 'help'; id: number; caller: CommandCaller }
  /** Which bot takes part in this direct room? Answered with a `result` whose text is its name. */
  | { t: 'find-direct'; id: number; room: string }
  | { t: 'store-result'; id: number; value?: unknown; error?: { code: string; message: string } }

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
      error?: { code: string; message: string; retryAfter?: number }
    }
  | { t: 'store'; id: number; bot: string; op: StoreOp }
  /** The bot learned (from the hub, over its own connection) that it takes part in a direct room. */
  | { t: 'direct'; bot: string; room: string }
