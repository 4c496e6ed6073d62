// The plugin host: resolve enabled plugins (built-in or from a module), order them by dependencies,
// validate their config, apply their migrations, set them up, run their hooks and commands, close
// them in reverse.
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { BridgeRunner } from '#core/bridges/runner'
import { type Db, pluginDb } from '#core/db/client'
import { coreErrors, isChatError } from '#core/errors'
import { compile } from '#core/schema/validator'
import { appendAudit } from '#core/audit/audit-log'
import type { CommandView } from '#core/protocol/messages'
import { CommandTable, type ResolvedCommand } from './commands.ts'
import { applyPluginMigrations } from './migrations.ts'
import type {
  AuthApi,
  Caller,
  ChatPlugin,
  JoinEvent,
  LoginEvent,
  MessageEvent,
  PluginRegistry,
  PluginRuntime,
  StepUpEvent,
} from './contract.ts'
import type { HubApi } from './hub-api.ts'

interface Loaded {
  plugin: ChatPlugin
  runtime: PluginRuntime
}

export interface HostOptions {
  enabled: Record<string, Record<string, unknown>>
  builtins: PluginRegistry
  db: Db
  log: FastifyBaseLogger
  dataDir: string
  serverKey: Buffer
  /** Builds each plugin's AuthApi (server.ts binds it to the hub); absent: plugins cannot use ctx.auth. */
  auth?: (plugin: string) => AuthApi
  /** Builds each plugin's HubApi (server.ts binds it to the hub); absent: plugins cannot use ctx.hub. */
  hub?: (plugin: string) => HubApi
  /** The clock handed to plugins (default Date.now). */
  now?: () => number
}

export class PluginHost {
  private readonly loaded: Loaded[] = []
  private readonly commands = new CommandTable((plugin, fn) => this.guard(plugin, fn))
  private readonly messageHooks: Loaded[] = []
  private readonly joinHooks: Loaded[] = []
  private readonly loginHooks: Loaded[] = []
  private readonly stepUpHooks: Loaded[] = []

  constructor(private readonly log: FastifyBaseLogger) {}

  get hasJoinHooks(): boolean {
    return this.joinHooks.length > 0
  }

  get hasMessageHooks(): boolean {
    return this.messageHooks.length > 0
  }

  get plugins(): { name: string; version: string }[] {
    return this.loaded.map((l) => ({ name: l.plugin.name, version: l.plugin.version }))
  }

  runtimes(): readonly Loaded[] {
    return this.loaded
  }

  /** Load, order, validate and set up every enabled plugin; any failure names the plugin and stops boot. */
  async start(options: HostOptions): Promise<void> {
    const defs = new Map<string, { plugin: ChatPlugin; config: Record<string, unknown> }>()
    for (const [name, raw] of Object.entries(options.enabled)) {
      const { module, enabled, ...config } = raw
      if (enabled === false) continue
      const plugin = await loadDefinition(name, module, options.builtins)
      defs.set(name, { plugin, config })
    }
    const provided = new Map<string, Readonly<Record<string, unknown>>>()
    const now = options.now ?? Date.now
    for (const { plugin, config } of order(defs)) {
      const checker = compile(plugin.config)
      const value = structuredClone(config)
      if (!checker.check(value)) {
        throw coreErrors.pluginFailed(plugin.name, `invalid config under plugins.${plugin.name}: ${checker.problems().join('; ')}`)
      }
      const log = options.log.child({ plugin: plugin.name })
      if (plugin.migrations !== undefined) {
        applyPluginMigrations({ plugin: plugin.name, folder: plugin.migrations, db: options.db, log, now })
      }
      const hub = options.hub?.(plugin.name) ?? noHub
      let runtime: PluginRuntime
      try {
        runtime = await plugin.setup({
          config: value,
          db: pluginDb(options.db.$client),
          log,
          dataDir: options.dataDir,
          serverKey: options.serverKey,
          auth: options.auth?.(plugin.name) ?? noAuth,
          hub,
          bridgeRunner: (definition, bridgeOptions) =>
            new BridgeRunner({ definition, db: options.db, log, hub, options: bridgeOptions }),
          audit: (entry) => void appendAudit(options.db, { at: now(), ...entry }),
          now,
          services: Object.fromEntries(
            [...(plugin.dependencies ?? []), ...(plugin.optionalDependencies ?? []).filter((d) => provided.has(d))].map(
              (d) => [d, provided.get(d) ?? {}],
            ),
          ),
        })
      } catch (err) {
        throw coreErrors.pluginFailed(plugin.name, err instanceof Error ? err.message : String(err))
      }
      const loaded = { plugin, runtime }
      this.loaded.push(loaded)
      if (runtime.onMessage) this.messageHooks.push(loaded)
      if (runtime.onJoin) this.joinHooks.push(loaded)
      if (runtime.onLogin) this.loginHooks.push(loaded)
      if (runtime.onStepUp) this.stepUpHooks.push(loaded)
      provided.set(plugin.name, runtime.provides ?? {})
      this.commands.add(plugin.name, runtime)
      log.info({ version: plugin.version }, 'plugin loaded')
    }
  }

  /** Run onMessage hooks in order; returns the (possibly rewritten) text. */
  async onMessage(event: MessageEvent): Promise<string> {
    let text = event.text
    for (const { plugin, runtime } of this.messageHooks) {
      const out = await this.guard(plugin.name, () => runtime.onMessage?.({ ...event, text }))
      if (typeof out === 'string') text = out
    }
    return text
  }

  /**
   * Run onLogin hooks in order after a password check. A ChatError refuses the login; the first
   * plugin asking for `restricted` gets the session restricted to its routes.
   */
  async onLogin(event: LoginEvent): Promise<{ restrictedTo?: string }> {
    let restrictedTo: string | undefined
    for (const { plugin, runtime } of this.loginHooks) {
      const out = await this.guard(plugin.name, () => runtime.onLogin?.(event))
      if (out?.restricted && restrictedTo === undefined) restrictedTo = plugin.name
    }
    return restrictedTo === undefined ? {} : { restrictedTo }
  }

  /** Run onStepUp hooks in order before a sensitive action; a ChatError refuses it. */
  async onStepUp(event: StepUpEvent): Promise<void> {
    for (const { plugin, runtime } of this.stepUpHooks) {
      await this.guard(plugin.name, () => runtime.onStepUp?.(event))
    }
  }

  async onJoin(event: JoinEvent): Promise<void> {
    for (const { plugin, runtime } of this.joinHooks) {
      await this.guard(plugin.name, () => runtime.onJoin?.(event))
    }
  }

  /**
   * `/plugin name args`, `/name args` or the hub's `/help`; undefined when nothing has that name
   * (throws CHATHUB_COMMAND_AMBIGUOUS when several plugins do). core/plugins/commands.ts.
   */
  findCommand(text: string): ResolvedCommand | undefined {
    return this.commands.resolve(text)
  }

  /** The commands `caller` may run in their room (what `/help` lists). */
  listCommands(caller: Caller): Promise<CommandView[]> {
    return this.commands.list(caller)
  }

  /** Tell every plugin the hub's URL once it listens; a failure stops the hub like a failed setup. */
  async listening(url: string): Promise<void> {
    for (const { plugin, runtime } of this.loaded) {
      try {
        await runtime.onListen?.({ url })
      } catch (err) {
        throw coreErrors.pluginFailed(plugin.name, err instanceof Error ? err.message : String(err))
      }
    }
  }

  async close(): Promise<void> {
    for (const { plugin, runtime } of [...this.loaded].reverse()) {
      try {
        await runtime.close?.()
      } catch (err) {
        this.log.error({ plugin: plugin.name, err }, 'plugin close failed')
      }
    }
  }

  /** A ChatError passes through (the user sees it); anything else fails closed as CHATHUB_INTERNAL. */
  private async guard<T>(plugin: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (isChatError(err)) throw err
      this.log.error({ plugin, err }, 'plugin hook failed')
      throw coreErrors.internal()
    }
  }
}

const unavailable = (): never => {
  throw coreErrors.internal()
}
/** The AuthApi of a host started without one (only in isolated host tests). */
const noHub: HubApi = { subscribe: unavailable, actAs: unavailable }

const noAuth: AuthApi = {
  requireUser: unavailable,
  findUser: unavailable,
  createAccount: unavailable,
  issueSession: unavailable,
  startSession: unavailable,
  endSessions: unavailable,
  liftRestriction: unavailable,
}

const loadDefinition = async (
  name: string,
  module: unknown,
  builtins: PluginRegistry,
): Promise<ChatPlugin> => {
  if (module === undefined) {
    const builtin = builtins[name]
    if (!builtin) throw coreErrors.pluginNotFound(name)
    return builtin
  }
  if (typeof module !== 'string' || module === '') {
    throw coreErrors.pluginFailed(name, '"module" must be a path or a package name')
  }
  const specifier =
    module.startsWith('.') || isAbsolute(module) ? pathToFileURL(resolve(module)).href : module
  let imported: { default?: unknown }
  try {
    imported = (await import(specifier)) as { default?: unknown }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(module)) {
      throw coreErrors.pluginFailed(
        name,
        `module ${module} is TypeScript, which Node does not run by itself: compile it to JavaScript ` +
          '(e.g. `npx tsc`) and point "module" at the .js file, or start the hub with ' +
          "NODE_OPTIONS='--import tsx' (see docs/plugins.md)",
      )
    }
    throw coreErrors.pluginFailed(name, `cannot load module ${module}: ${(err as Error).message}`)
  }
  const def = imported.default
  if (!isPluginDefinition(def)) {
    throw coreErrors.pluginFailed(name, `module ${module} does not export a definePlugin(...) default`)
  }
  if (def.name !== name) {
    throw coreErrors.pluginFailed(name, `module ${module} defines plugin "${def.name}", not "${name}"`)
  }
  return def
}

const isPluginDefinition = (v: unknown): v is ChatPlugin =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ChatPlugin).name === 'string' &&
  typeof (v as ChatPlugin).setup === 'function' &&
  typeof (v as ChatPlugin).config === 'object'

/** Dependency order (depth-first); a missing or cyclic dependency stops boot. */
const order = <T extends { plugin: ChatPlugin }>(defs: Map<string, T>): T[] => {
  const out: T[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string, from: string) => {
    const def = defs.get(name)
    if (!def) throw coreErrors.pluginDependencyMissing(from, name)
    const s = state.get(name)
    if (s === 'done') return
    if (s === 'visiting') throw coreErrors.pluginDependencyMissing(from, name)
    state.set(name, 'visiting')
    for (const dep of def.plugin.dependencies ?? []) visit(dep, name)
    for (const dep of def.plugin.optionalDependencies ?? []) if (defs.has(dep)) visit(dep, name)
    state.set(name, 'done')
    out.push(def)
  }
  for (const name of defs.keys()) visit(name, name)
  return out
}


