// The bot API as bot scripts see it (types only; the implementation is sandbox-prelude.js inside the
// isolate). A bot file: `import type { Bot } from '#plugins/bots/api'` and `export default (bot: Bot) => {...}`.

/** A chat message in one of the bot's rooms (or in a direct conversation with it). */
export interface Message {
  room: string
  seq: number
  /** The sender's account name. */
  from: string
  text: string
  /** Set when the sender is a bot or bridge account (hear/respond skip those). */
  bot?: boolean
  replyTo?: number
  /** Set in a direct conversation with the bot; `room` is then that conversation's room. */
  direct?: boolean
}

/** The bot's persistent key-value store (SQLite, per bot, size quota). Values are JSON data. */
export interface Store {
  get<T = unknown>(key: string): Promise<T | null>
  /** Rejects with code BOTS_STORE_QUOTA when the bot's store would grow over its quota. */
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<boolean>
  keys(): Promise<string[]>
}

export interface FetchResponse {
  status: number
  ok: boolean
  headers: Record<string, string>
  body: string
  url: string
  text(): Promise<string>
  json<T = unknown>(): Promise<T>
}

export interface FetchInit {
  method?: string
  headers?: Record<string, string>
  body?: string
}

/** What every handler gets. */
export interface Context {
  /** The bot's account name. */
  bot: string
  /** The message that triggered the handler (absent in schedules). */
  message: Message | undefined
  /** The sender (absent in schedules). */
  user: string | undefined
  room: string | undefined
  /** Answer in the message's room (a direct conversation: to that user only), as a reply to it. */
  reply(text: string): void
  /** Post in one of the bot's rooms (others are refused). */
  send(room: string, text: string): void
  /** React to the message (wire protocol v1 has no reactions: sent as a reply holding the emoji). */
  react(emoji: string): void
  store: Store
  /** HTTP(S) to hosts in the bot's `fetchAllow` only; timeout and size cap from the config. */
  fetch(url: string, init?: FetchInit): Promise<FetchResponse>
  /** A line in the bot's log (`chathub bot logs NAME`). */
  log(...values: unknown[]): void
  /** The hub's clock (ms); `Date.now()` follows it too (a virtual clock in the harness). */
  now(): number
}

export interface MatchContext extends Context {
  message: Message
  user: string
  room: string
  /** The pattern's match: [whole, group1, ...]. */
  match: string[]
}

export interface CommandContext extends Context {
  message: Message
  user: string
  room: string
  /** Arguments, with "quoted phrases" kept together. */
  args: string[]
  /** The text after the command name, as typed. */
  raw: string
}

export interface EventContext extends Context {
  /**
   * join/leave: { room, user }; edit: { room, seq, text }; delete: { room, seq, user };
   * attachment (one per file; metadata, never the bytes):
   * { room, seq, user, id, name, mime, size, width?, height?, bot? }.
   */
  event: Record<string, unknown>
}

export type Awaitable<T> = T | Promise<T>

export interface CommandOptions {
  /** One line for /help. */
  help?: string
  /** Arguments shown in /help, e.g. `<minutes> <text>`. */
  usage?: string
  /** Needs a fresh TOTP step-up when the totp plugin is enabled. */
  sensitive?: boolean
}

/** Register handlers while the bot loads (in its default export). */
export interface Bot {
  readonly name: string
  /**
   * Any message in the bot's rooms and direct conversations matching `pattern` (a string matches
   * case-insensitively anywhere).
   */
  hear(pattern: RegExp | string, handler: (ctx: MatchContext) => Awaitable<void>): void
  /**
   * Messages addressed to the bot: `@name ...` in a room, and every message of a direct conversation
   * with it (an `@name` there is optional). The pattern sees the text after the mention.
   */
  respond(pattern: RegExp | string, handler: (ctx: MatchContext) => Awaitable<void>): void
  /** `/name args`; a returned string is shown to the caller only. */
  command(name: string, handler: (ctx: CommandContext) => Awaitable<string | void>): void
  command(name: string, options: CommandOptions, handler: (ctx: CommandContext) => Awaitable<string | void>): void
  on(event: 'join' | 'leave' | 'edit' | 'delete' | 'attachment', handler: (ctx: EventContext) => Awaitable<void>): void
  /** Every interval: '10s', '5m', '1h', '1h30m' (at least 1 s). */
  every(interval: string, handler: (ctx: Context) => Awaitable<void>): void
  /** 5-field cron in UTC: 'minute hour day month weekday', e.g. '0 9 * * 1-5'. */
  at(cron: string, handler: (ctx: Context) => Awaitable<void>): void
}
