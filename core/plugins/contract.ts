// What a plugin is: a named definition with a config schema and a setup that returns hooks,
// chat commands, routes and a close. Re-exported to plugins by core/plugin-api.ts.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Static, TSchema } from 'typebox'
import type { Db } from '#core/db/client'

export type Awaitable<T> = T | Promise<T>

/** Who ran a chat command, and where. */
export interface Caller {
  user: string
  userId: number
  room: string
  admin: boolean
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

/** Hooks run in dependency order, one plugin at a time. Throw a ChatError to refuse. */
export interface PluginHooks {
  /** Throw a ChatError to refuse the join; the user sees its code and message. */
  onJoin?(event: JoinEvent): Awaitable<void>
  /** Return a string to replace the text; return nothing to pass it through; throw a ChatError to refuse. */
  onMessage?(event: MessageEvent): Awaitable<string | void>
}

/** A chat command: `/name args` (or `/plugin name args`). The returned text is shown to the caller only. */
export type ChatCommand = (args: string[], caller: Caller) => Awaitable<string | void>

export interface PluginRuntime extends PluginHooks {
  commands?: Record<string, ChatCommand>
  /** Routes, mounted in an encapsulated scope under /plugins/<name>. */
  routes?(app: FastifyInstance): Awaitable<void>
  close?(): Awaitable<void>
}

/** What the hub hands a plugin's setup. */
export interface PluginContext<C> {
  /** The plugin's validated config (defaults filled). */
  config: C
  db: Db
  /** A child logger with `{ plugin: name }`. */
  log: FastifyBaseLogger
  /** The hub's data directory, for plugins that keep files. */
  dataDir: string
  /** 32-byte server key for encrypting secrets at rest. Never log it. */
  serverKey: Buffer
}

export interface ChatPlugin<S extends TSchema = TSchema> {
  /** kebab-case, identical to its folder; prefixes its tables, error codes, routes and logs. */
  name: string
  version: string
  /** Plugins that must be enabled and set up before this one. */
  dependencies?: readonly string[]
  /** TypeBox schema of the plugin's options under `plugins.<name>` in the config. */
  config: S
  setup(ctx: PluginContext<Static<S>>): Awaitable<PluginRuntime>
}

export const definePlugin = <S extends TSchema>(plugin: ChatPlugin<S>): ChatPlugin<S> => plugin

/** Plugins the hub can enable by name (the built-ins), passed to buildServer by the CLI. */
export type PluginRegistry = Readonly<Record<string, ChatPlugin>>
