// Checks a command example the way `chathub` itself would take it: oclif's own command resolution
// (words joined into a command id, `--help`, `--version`, topics) on the built manifest, then the
// command class's own `parse`, which is oclif's parser with the class's flags, args, strictness and
// flag relations. Nothing runs: no hub, no data directory.
import { join } from 'node:path'
import { Config, type Command, type Interfaces } from '@oclif/core'
import { normalizeArgv } from '@oclif/core/help'
import { helpAddition, versionAddition } from '@oclif/core/run'
import type { DocExample, Synopsis } from './doc-examples.ts'
import { chathubInvocations, type Invocation } from './shell-words.ts'

type FlagDef = Interfaces.Flag<unknown>
type ArgDef = Interfaces.Arg<unknown>

declare global {
  /** oclif's stdin cache (@oclif/core parser/parse.d.ts, shared by every copy of oclif loaded). */
  var oclif: { stdinCache?: string }
}

export interface ExampleChecker {
  /** Why the example does not work, or undefined when it does. */
  check(example: DocExample): Promise<string | undefined>
  /** The `static examples` of every command, as examples (`<%= config.bin %>` etc. expanded). */
  commandExamples(): DocExample[]
}

/** A checker for the CLI built in `root` (`node scripts/build.mjs`: dist/ and oclif.manifest.json). */
export const loadChecker = async (root: string): Promise<ExampleChecker> => {
  const config = await Config.load(root)
  if (config.commands.length === 0)
    throw new Error('no commands built: run `node scripts/build.mjs`')
  const classes = new Map<string, Promise<Command.Class>>()
  // The class from its TypeScript source, through the test runner (the source dist/ is built from):
  // vitest runs with the `chathub-source` condition, under which the built files' own imports would
  // resolve to sources Node cannot load. The manifest still comes from the build.
  const load = (cached: Command.Loadable) => {
    let loaded = classes.get(cached.id)
    if (!loaded)
      classes.set(cached.id, (loaded = import(join(root, sourceOf(cached))).then((m) => m.default)))
    return loaded
  }

  const checkInvocation = async (inv: Invocation, prose: boolean): Promise<string | undefined> => {
    const argv = [...inv.argv]
    if (prose) {
      // A prose span may end by naming a flag (`chathub send --image`): give that flag a value.
      const last = argv.at(-1) ?? ''
      const cached = config.findCommand(normalizeArgv(config, [...argv])[0] ?? '')
      const flag =
        cached &&
        Object.entries(cached.flags).find(
          ([n, f]) => last === `--${n}` || (f.char && last === `-${f.char}`),
        )
      if (flag?.[1].type === 'option') argv.push('VALUE')
    }
    if (versionAddition(argv, config)) return undefined
    const [id = '', ...rest] = normalizeArgv(config, [...argv])
    const cached = config.findCommand(id)
    if (!cached) {
      if (id === '' || config.findTopic(id)) return undefined // oclif shows the topic's help
      return `command ${id} not found`
    }
    if (helpAddition(argv, config)) return undefined
    const Cmd = await load(cached)
    try {
      await withShell(inv, () => parseLike(Cmd, config, rest, placeholders(inv, argv), prose))
      return undefined
    } catch (err) {
      return err instanceof Error
        ? err.message.replace(/\n\s*See more help with --help$/, '')
        : String(err)
    }
  }

  const checkSynopsis = async (synopsis: Synopsis): Promise<string | undefined> => {
    const commands: Command.Loadable[] = []
    for (const words of synopsis.alternatives) {
      const [id = ''] = normalizeArgv(config, [...words])
      const cached = config.findCommand(id)
      if (cached) commands.push(cached)
      else if (id !== '' && !config.findTopic(id)) return `command ${id} not found`
    }
    const known = new Set(['--help'])
    for (const cmd of commands) {
      if ((await load(cmd)).enableJsonFlag) known.add('--json')
      for (const [name, flag] of Object.entries(cmd.flags)) {
        known.add(`--${name}`)
        if (flag.char) known.add(`-${flag.char}`)
        for (const alias of flag.aliases ?? []) known.add(`--${alias}`)
        for (const alias of flag.charAliases ?? []) known.add(`-${alias}`)
      }
    }
    const unknown = synopsis.flags.filter((flag) => !known.has(flag))
    if (unknown.length === 0) return undefined
    const ids = commands.map((c) => c.id.replaceAll(':', ' ')).join(', ')
    return `${ids} has no flag ${unknown.join(', ')}`
  }

  return {
    async check(example) {
      if (example.problem) return example.problem
      if (example.synopsis) return checkSynopsis(example.synopsis)
      if (example.invocation) return checkInvocation(example.invocation, example.kind === 'prose')
      return 'no `chathub` command in it'
    },
    commandExamples() {
      const examples: DocExample[] = []
      for (const cmd of config.commands) {
        const source = sourceOf(cmd)
        for (const [i, example] of (cmd.examples ?? []).entries()) {
          const template = typeof example === 'string' ? example : example.command
          const text = template
            .replaceAll('<%= config.bin %>', config.bin)
            .replaceAll('<%= command.id %>', cmd.id.replaceAll(':', ' '))
          const where = `${source} examples[${i}]`
          const invocations = text.includes('<%') ? [] : chathubInvocations(text)
          if (invocations.length === 0) {
            examples.push({ where, text, kind: 'command' }) // reported by check()
          }
          for (const invocation of invocations)
            examples.push({ where, text, kind: 'command', invocation })
        }
      }
      return examples
    },
  }
}

/** `cli/commands/room/list.ts` for the command built into dist/cli/commands/room/list.js. */
const sourceOf = (cmd: Command.Cached): string => {
  const built = (cmd.relativePath ?? []).join('/')
  if (!/^dist\/cli\/commands\/.+\.js$/.test(built))
    throw new Error(`${cmd.id}: no source for ${built}`)
  return built.replace(/^dist\//, '').replace(/\.js$/, '.ts')
}

/** The words the example leaves to the reader (ROOM, `$PASS`, `<id>`), among the ones it passes. */
const placeholders = (inv: Invocation, argv: string[]): Set<string> =>
  new Set([...inv.placeholders, ...argv.slice(inv.argv.length)])

/**
 * `this.parse(Cmd)` as the command's `run` does it, on an instance of a subclass whose `run` does
 * nothing. Placeholders pass any value check (an integer flag given SEQ); a prose span (`relaxed`) may
 * leave out required flags and arguments, and names one of exactlyOne's flags at most.
 */
const parseLike = async (
  Cmd: Command.Class,
  config: Config,
  argv: string[],
  words: Set<string>,
  relaxed: boolean,
) => {
  const variadic = Object.values(Cmd.args ?? {}).some((arg) => arg.multiple)
  const flag = (def: FlagDef, name: string): FlagDef => {
    let out = def
    if (def.type === 'option' && words.size > 0) {
      const parse = def.parse
      const option: Interfaces.OptionFlag<unknown> = {
        ...def,
        options: def.options && [...def.options, ...words],
        parse: async (input, ctx, opts) => (words.has(input) ? input : parse(input, ctx, opts)),
      }
      out = option
    }
    if (!relaxed) return out
    const exclusive = [
      ...(out.exclusive ?? []),
      ...(out.exactlyOne ?? []).filter((other) => other !== name),
    ]
    return {
      ...out,
      required: false,
      dependsOn: undefined,
      atLeastOne: undefined,
      exactlyOne: undefined,
      exclusive,
    }
  }
  const arg = (def: ArgDef): ArgDef => {
    const parse = def.parse
    return {
      ...def,
      options: def.options && [...def.options, ...words],
      parse: async (input, ctx, opts) => (words.has(input) ? input : parse(input, ctx, opts)),
      required: relaxed && !variadic ? false : def.required,
    }
  }
  const map = <T, U>(defs: Record<string, T> | undefined, fn: (def: T, name: string) => U) =>
    Object.fromEntries(Object.entries(defs ?? {}).map(([name, def]) => [name, fn(def, name)]))
  const input = {
    strict: Cmd.strict,
    enableJsonFlag: Cmd.enableJsonFlag,
    baseFlags: map(Cmd.baseFlags, flag),
    flags: map(Cmd.flags, flag),
    args: map(Cmd.args, arg),
  }
  class Probe extends Cmd {
    override async run() {}
    probe() {
      return this.parse(input, argv)
    }
  }
  await new Probe(argv, config).probe()
}

/**
 * Run `fn` in the environment the example gives the command: its `NAME=value` prefixes and no other
 * CHATHUB_* variable; stdin a pipe with some text when the example pipes into the command (oclif then
 * reads it into a missing argument), a terminal otherwise.
 */
const withShell = async <T>(inv: Invocation, fn: () => Promise<T>): Promise<T> => {
  const saved = { ...process.env }
  const stdin = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
  const oclif = globalThis.oclif
  for (const name of Object.keys(process.env))
    if (name.startsWith('CHATHUB_')) delete process.env[name]
  Object.assign(process.env, inv.env)
  Object.defineProperty(process.stdin, 'isTTY', {
    value: !inv.piped,
    configurable: true,
    writable: true,
  })
  globalThis.oclif = { ...oclif, stdinCache: inv.piped ? 'text from the pipe' : undefined }
  try {
    return await fn()
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
    if (stdin) Object.defineProperty(process.stdin, 'isTTY', stdin)
    else Reflect.deleteProperty(process.stdin, 'isTTY')
    globalThis.oclif = oclif
  }
}
