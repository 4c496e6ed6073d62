// Chat commands by name: the hub's own (`/help`) and the plugins'. A plugin's command is
// `/<plugin> <name>`; a bare `/<name>` is the hub's, or the command of the one plugin that claims the
// name (two claims: CHATHUB_COMMAND_AMBIGUOUS, naming both forms). `/help` lists, by plugin, what the
// caller may run in the room.
import { coreErrors } from '#core/errors'
import type { CommandView } from '#core/protocol/messages'
import type {
  Awaitable,
  Caller,
  ChatCommand,
  CommandAccess,
  CommandDefinition,
  PluginRuntime,
} from './contract.ts'

/** Runs a plugin's code: a ChatError passes through, anything else is logged and fails closed. */
export type Guard = <T>(plugin: string, fn: () => T | Promise<T>) => Promise<T>

/** A text resolved to a command: run it with the caller. */
export interface ResolvedCommand {
  /** The plugin that runs it; undefined for the hub's own. */
  plugin?: string
  run(caller: Caller): Promise<string | void>
}

interface Registered extends Omit<CommandDefinition, 'access'> {
  access: CommandAccess
}

interface PluginCommands {
  name: string
  runtime: PluginRuntime
  commands: Map<string, Registered>
}

const ACCESS_LABEL: Record<CommandAccess, string> = {
  member: '',
  moderator: 'the room’s moderators and owner',
  admin: 'hub admins',
}

const mayRun = (access: CommandAccess, caller: Caller): boolean =>
  access === 'member' ||
  (access === 'moderator' && (caller.role === 'moderator' || caller.role === 'owner')) ||
  (access === 'admin' && caller.admin)

const definition = (command: ChatCommand | CommandDefinition): Registered => {
  const def = typeof command === 'function' ? { run: command } : command
  return { ...def, access: def.access ?? 'member' }
}

/** The hub's own commands: a bare name here always means this. */
const HUB_COMMANDS: readonly CommandView[] = [
  { name: 'help', usage: '[PLUGIN]', summary: 'the commands you can run here (or one plugin’s)' },
]

export class CommandTable {
  private readonly plugins = new Map<string, PluginCommands>()

  constructor(private readonly guard: Guard) {}

  /** Register a plugin's `commands`, `commandFor` and `listCommands` (in load order). */
  add(plugin: string, runtime: PluginRuntime): void {
    if (!runtime.commands && !runtime.commandFor) return
    const commands = new Map<string, Registered>()
    for (const [name, command] of Object.entries(runtime.commands ?? {}))
      commands.set(name, definition(command))
    this.plugins.set(plugin, { name: plugin, runtime, commands })
  }

  /**
   * The command a `/text` names, or undefined when nothing has that name. In this order: the hub's
   * own; `/<plugin> <name>`; a bare `/<name>` that one plugin has (`/echo hi` for an echo plugin's
   * `echo` too); `/<plugin>` alone lists the plugin's commands.
   */
  resolve(text: string): ResolvedCommand | undefined {
    const words = text.slice(1).trim().split(/\s+/)
    const [first = '', second] = words
    if (first === 'help') return { run: (caller) => this.help(caller, words[1]) }
    const owner = this.plugins.get(first)
    const qualified = owner && second !== undefined ? this.inPlugin(owner, second) : undefined
    if (owner && qualified)
      return this.bind(owner.name, `${first} ${second}`, qualified, words.slice(2))
    const claims = this.claimsOf(first)
    if (claims.length > 1) {
      throw coreErrors.commandAmbiguous(
        first,
        claims.map((c) => `/${c.plugin} ${first}`),
      )
    }
    const [claim] = claims
    if (claim) return this.bind(claim.plugin, first, claim.command, words.slice(1))
    if (!owner) return undefined
    // `/stego` alone: what stego offers.
    if (second === undefined) return { run: (caller) => this.help(caller, first) }
    throw coreErrors.commandUnknown(`${first} ${second}`)
  }

  /** Every command `caller` may run in their room, each named as it is typed after the `/`. */
  async list(caller: Caller): Promise<CommandView[]> {
    const out: CommandView[] = [...HUB_COMMANDS]
    for (const owner of this.plugins.values()) out.push(...(await this.listPlugin(owner, caller)))
    return out
  }

  /** `/help` and `/help PLUGIN`: one line per command, grouped by plugin. */
  private async help(caller: Caller, only?: string): Promise<string> {
    const all = await this.list(caller)
    if (only !== undefined && !this.plugins.has(only)) {
      throw coreErrors.commandUnknown(`help ${only}`)
    }
    const groups = new Map<string, CommandView[]>()
    for (const c of all) {
      const group = c.plugin ?? 'hub'
      if (only !== undefined && group !== only) continue
      groups.set(group, [...(groups.get(group) ?? []), c])
    }
    const lines = [
      only === undefined
        ? 'Commands you can run here, by plugin:'
        : `Commands of ${only} you can run here:`,
    ]
    for (const [group, commands] of groups) {
      lines.push(`${group}:`)
      for (const c of commands) {
        lines.push(
          `  /${c.name}${c.usage ? ` ${c.usage}` : ''}${c.summary ? ` — ${c.summary}` : ''}`,
        )
      }
    }
    if (only !== undefined && groups.size === 0) lines.push('  (none you may run here)')
    return lines.join('\n')
  }

  private async listPlugin(owner: PluginCommands, caller: Caller): Promise<CommandView[]> {
    const out: CommandView[] = []
    for (const [name, c] of owner.commands) {
      if (!mayRun(c.access, caller)) continue
      out.push(view(owner.name, `${owner.name} ${name}`, c.usage, c.summary))
    }
    const listing = owner.runtime.listCommands
    if (!listing) return out
    // A plugin whose listing fails is left out of /help; the failure is logged by the guard.
    const dynamic = await this.guard(owner.name, () => listing(caller)).catch(() => [])
    for (const c of dynamic) {
      if (owner.commands.has(c.name)) continue
      // Typed bare when that reaches it (`/poll`), else with the plugin's name.
      const claims = this.claimsOf(c.name)
      const bare =
        !this.plugins.has(c.name) && claims.length === 1 && claims[0]?.plugin === owner.name
      out.push(view(owner.name, bare ? c.name : `${owner.name} ${c.name}`, c.usage, c.summary))
    }
    return out
  }

  private inPlugin(owner: PluginCommands, name: string): Registered | undefined {
    const registered = owner.commands.get(name)
    if (registered) return registered
    const run = owner.runtime.commandFor?.(name)
    return run && { run, access: 'member' }
  }

  /** The plugins that have a command `name` (registered or known at run time), in load order. */
  private claimsOf(name: string): { plugin: string; command: Registered }[] {
    if (name === '' || HUB_COMMANDS.some((c) => c.name === name)) return []
    const out: { plugin: string; command: Registered }[] = []
    for (const owner of this.plugins.values()) {
      const command = this.inPlugin(owner, name)
      if (command) out.push({ plugin: owner.name, command })
    }
    return out
  }

  private bind(
    plugin: string,
    typed: string,
    command: Registered,
    args: string[],
  ): ResolvedCommand {
    return {
      plugin,
      run: (caller) => {
        if (!mayRun(command.access, caller)) {
          throw coreErrors.forbidden(`run /${typed} (${ACCESS_LABEL[command.access]} only)`)
        }
        return this.guard(plugin, (): Awaitable<string | void> => command.run(args, caller))
      },
    }
  }
}

const view = (plugin: string, name: string, usage?: string, summary?: string): CommandView => ({
  name,
  plugin,
  ...(usage ? { usage } : {}),
  ...(summary ? { summary } : {}),
})
