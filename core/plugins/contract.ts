// What a plugin is: a named definition with a config schema and a setup that returns hooks,
// chat commands, routes and a close. Re-exported to plugins by core/plugin-api.ts.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Static, TSchema } from '#typebox'
import type { AuditEntry } from '#core/audit/audit-log'
import type { SessionUser } from '#core/auth/session-store'
import type { PluginDb } from '#core/db/client'
import type { BridgeDefinition, BridgeOptionsValue } from '#core/bridges/contract'
import type { BridgeRunner } from '#core/bridges/runner'
import type { RoleName } from '#core/protocol/messages'
import type { SessionMode } from '#core/web/session-cookies'
import type { HubApi } from './hub-api.ts'

export type Awaitable<T> = T | Promise<T>

/** Who ran a chat command, and where. */
export interface Caller {
  user: string
  userId: number
  room: string
  admin: boolean
  /** The caller's role in the room (commands run only in rooms the caller is a member of). */
  role: RoleName
}

export interface JoinEvent {
  room: string
  user: string
  userId: number
}

export interface MessageEvent {
  room: string
  user: string
  userId: number
  text: string
}

/** A login whose password was just verified, before a session is issued. */
export interface LoginEvent {
  userId: number
  user: string
  admin: boolean
  /** The login request body without the password and `session` (e.g. `code` for TOTP). */
  body: Record<string, unknown>
  /** The client address. */
  ip: string
}

/** A sensitive action a user takes on their own account (e.g. a password change), before it is done. */
export interface StepUpEvent {
  userId: number
  user: string
  admin: boolean
  /** What is about to happen, e.g. `password`. */
  action: string
  /** The request's extra fields (e.g. `code` for TOTP); never the passwords. */
  body: Record<string, unknown>
}

/** A login hook's answer. */
export interface LoginDecision {
  /**
   * Issue a restricted session: only this plugin's routes accept it (WebSocket and core routes
   * answer CHATHUB_SESSION_RESTRICTED) until the plugin lifts it, e.g. after a required enrolment.
   */
  restricted?: boolean
}

/** Hooks run in dependency order, one plugin at a time. Throw a ChatError to refuse. */
export interface PluginHooks {
  /**
   * Runs on `POST /api/v1/login` after the password check. Throw a ChatError to refuse the login
   * (the client sees its code, message and details); return `{ restricted: true }` to allow only
   * this plugin's routes with the new session.
   */
  onLogin?(event: LoginEvent): Awaitable<LoginDecision | void>
  /**
   * Runs before a sensitive action on the user's own account (`POST /api/v1/password`), after the
   * current password was checked. Throw a ChatError to refuse it until the user proves more (e.g.
   * TOTP_STEP_UP_REQUIRED: a fresh two-factor code); the client sees its code and message.
   */
  onStepUp?(event: StepUpEvent): Awaitable<void>
  /** Throw a ChatError to refuse the join; the user sees its code and message. */
  onJoin?(event: JoinEvent): Awaitable<void>
  /** Return a string to replace the text; return nothing to pass it through; throw a ChatError to refuse. */
  onMessage?(event: MessageEvent): Awaitable<string | void>
}

/** A chat command: `/plugin name args` (or `/name args`). The returned text is shown to the caller only. */
export type ChatCommand = (args: string[], caller: Caller) => Awaitable<string | void>

/**
 * Who may run a chat command, and so who sees it in `/help`: `member` anyone in the room,
 * `moderator` the room's moderators and owner, `admin` hub admins.
 */
export type CommandAccess = 'member' | 'moderator' | 'admin'

/** A chat command with what `/help` shows of it. */
export interface CommandDefinition {
  run: ChatCommand
  /** One line for `/help`, a lowercase fragment: `how many bytes an image that size hides`. */
  summary?: string
  /** Its arguments for `/help`, e.g. `WIDTHxHEIGHT`. */
  usage?: string
  /** Default `member`. Anyone else gets CHATHUB_FORBIDDEN and does not see it in `/help`. */
  access?: CommandAccess
}

/** A command as `/help` lists it. */
export interface CommandInfo {
  /** The command's name, without the plugin's (`poll`). */
  name: string
  usage?: string
  summary?: string
}

export interface PluginRuntime extends PluginHooks {
  /**
   * Chat commands, by name: `/<plugin> <name> args`, or `/<name> args` when no other plugin has the
   * name and the hub has no command of that name (`/help` is the hub's). docs/plugins.md.
   */
  commands?: Record<string, ChatCommand | CommandDefinition>
  /**
   * Services for plugins that declare this one in `dependencies`: they get this object as
   * `ctx.services[<this plugin's name>]` (e.g. totp's `requireFreshCode` for step-up).
   */
  provides?: Record<string, unknown>
  /**
   * Runs once the hub listens, with its URL (e.g. http://127.0.0.1:8080): plugins that connect back
   * over the wire protocol (bots, bridges) start their clients here.
   */
  onListen?(info: { url: string }): Awaitable<void>
  /** Routes, mounted in an encapsulated scope under /plugins/<name>. */
  routes?(app: FastifyInstance): Awaitable<void>
  /**
   * Commands known only at run time (e.g. the ones bot scripts define), asked for `/<plugin> name`
   * and for a bare `/name`. Return undefined for names that are not yours. Check who may run it in
   * the command itself.
   */
  commandFor?(name: string): ChatCommand | undefined
  /** The run-time commands (`commandFor`) `caller` may run in their room, for `/help`. */
  listCommands?(caller: Caller): Awaitable<CommandInfo[]>
  close?(): Awaitable<void>
}

/** An account as plugins see it. */
export interface PluginUser {
  id: number
  name: string
  admin: boolean
  kind: 'person' | 'bot' | 'bridge'
  disabled: boolean
}

/** Sessions and accounts, for plugins that take part in authentication. */
export interface AuthApi {
  /**
   * The user of the request's bearer token, or of the browser session cookie (CHATHUB_AUTH_REQUIRED /
   * CHATHUB_TOKEN_INVALID otherwise; a cookie request other than GET/HEAD/OPTIONS also needs its CSRF
   * header, CHATHUB_CSRF_REFUSED). Sessions restricted to this plugin are accepted only with `allowRestricted`.
   */
  requireUser(req: FastifyRequest, options?: { allowRestricted?: boolean }): SessionUser
  findUser(nameOrId: string | number): PluginUser | undefined
  /** Create an account without a password for the plugin to act as (CHATHUB_USER_EXISTS if taken). */
  createAccount(name: string, kind: 'bot' | 'bridge'): PluginUser
  /** Issue a normal session for a user (e.g. after a second login step); the token is returned once. */
  issueSession(userId: number): { token: string; expiresAt: string | null }
  /**
   * Log a user in on this request (a second login step) and hand the session over as
   * `POST /api/v1/login` does: `{ token, expiresAt }`, or with mode `cookie` (the request's
   * `"session": "cookie"`) the browser's session cookies set on `reply` and
   * `{ session: 'cookie', csrf, expiresAt }` — the token never in the answer. Spread it into yours.
   */
  startSession(
    req: FastifyRequest,
    reply: FastifyReply,
    userId: number,
    mode?: SessionMode,
  ): ({ token: string } | { session: 'cookie'; csrf: string }) & { expiresAt: string | null }
  /**
   * Revoke a user's sessions (all, or all but `except`; with `label`, only the sessions and tokens
   * issued with that label) and close their open WebSockets, on this hub at once and on other hub
   * processes through the change feed. Returns how many were revoked.
   */
  endSessions(userId: number, options?: { except?: number; reason?: string; label?: string }): number
  /** Make a session restricted to this plugin a normal one (its enrolment is done). */
  liftRestriction(sessionId: number): void
}

/** What the hub hands a plugin's setup. */
export interface PluginContext<C> {
  /** The plugin's validated config (defaults filled). */
  config: C
  /** The plugin's own tables (its `migrations`), through drizzle; no raw handle, no core tables. */
  db: PluginDb
  /** A child logger with `{ plugin: name }`. */
  log: FastifyBaseLogger
  /** The hub's data directory, for plugins that keep files. */
  dataDir: string
  /** 32-byte server key for encrypting secrets at rest. Never log it. */
  serverKey: Buffer
  /** Sessions and accounts (login steps, ending sessions, restricted sessions). */
  auth: AuthApi
  /** The committed event stream, and writing as the plugin's accounts (bots, bridges). */
  hub: HubApi
  /**
   * A bridge plugin's hub side (docs/bridges.md): one runner for its network, following each
   * link's room through ctx.hub. Start it in onListen, close it in close.
   */
  bridgeRunner(definition: BridgeDefinition, options: BridgeOptionsValue): BridgeRunner
  /** Append a row to the hub's hash-chained audit log. Never put secrets or codes in it. */
  audit(entry: AuditEntry): void
  /** The hub's clock, ms since epoch; tests inject one. Use it for time-based logic (TOTP). */
  now(): number
  /** What each declared dependency `provides`, by plugin name. */
  services: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

export interface ChatPlugin<S extends TSchema = TSchema> {
  /** kebab-case, identical to its folder; prefixes its tables, error codes, routes and logs. */
  name: string
  version: string
  /** What it does, a lowercase fragment (`two-factor login`): heads its options in `chathub init`. */
  description?: string
  /** Plugins that must be enabled and set up before this one. */
  dependencies?: readonly string[]
  /** Plugins set up before this one when they are enabled (not required); their `provides` are in ctx.services. */
  optionalDependencies?: readonly string[]
  /** TypeBox schema of the plugin's options under `plugins.<name>` in the config. */
  config: S
  /**
   * The plugin's own tables: a folder of SQL migration files named `NNNN_name.sql`, as a file URL
   * (`new URL('./migrations/', import.meta.url)`) or an absolute path. Before `setup`, the host
   * applies the files this database has not applied yet, in name order, each in one transaction
   * (statements separated by drizzle-kit's `--> statement-breakpoint` lines), and records them in
   * `plugin_migrations`; a file changed after it was applied stops boot (docs/plugins.md, "Tables").
   */
  migrations?: URL | string
  setup(ctx: PluginContext<Static<S>>): Awaitable<PluginRuntime>
}

export const definePlugin = <S extends TSchema>(plugin: ChatPlugin<S>): ChatPlugin<S> => plugin

/** Plugins the hub can enable by name (the built-ins), passed to buildServer by the CLI. */
export type PluginRegistry = Readonly<Record<string, ChatPlugin>>
