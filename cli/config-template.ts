// The commented config file `chathub init` writes, generated from the hub config schema and each
// built-in plugin's own schema: every option with its description, type, environment variable and
// default, so the file never drifts from the code.
import { stringify } from 'yaml'
import { configLeaves, envName } from '#core/config'
import type { PluginRegistry } from '#core/plugin-api'

interface SchemaNode {
  type?: string
  description?: string
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  anyOf?: { const?: unknown }[]
  properties?: Record<string, SchemaNode>
  patternProperties?: Record<string, SchemaNode>
  items?: SchemaNode
  required?: string[]
}

const WIDTH = 96

const wrap = (text: string, indent: string): string[] => {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + 2 + line.length + 1 + word.length > WIDTH) {
      lines.push(`${indent}# ${line}`)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(`${indent}# ${line}`)
  return lines
}

/** The schema of each entry of a mapping by name, or each item of a list, when it has fields. */
const entryOf = (s: SchemaNode): SchemaNode | undefined => {
  const entry = s.type === 'array' ? s.items : Object.values(s.patternProperties ?? {})[0]
  return entry?.properties ? entry : undefined
}

/** "integer, 1..65535", "one of normal, full", "list of strings". */
const describeType = (s: SchemaNode): string => {
  if (s.anyOf) return `one of ${s.anyOf.map((a) => String(a.const)).join(', ')}`
  if (s.type === 'array') return s.items?.properties ? 'list (items below)' : 'list of strings'
  if (s.type === 'object') return entryOf(s) ? 'mapping of NAME to the options below' : 'mapping'
  let range = ''
  const min = s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : s.minimum
  if (min !== undefined && s.maximum !== undefined) range = `, ${min}..${s.maximum}`
  else if (s.exclusiveMinimum !== undefined) range = `, > ${s.exclusiveMinimum}`
  else if (s.minimum !== undefined) range = `, >= ${s.minimum}`
  return `${s.type ?? 'value'}${range}`
}

const yamlValue = (value: unknown): string =>
  stringify(value, { flowCollectionPadding: false }).trimEnd()

/** What an option without a default shows in an example: `file: <file>`, `rooms: []`. */
const placeholder = (key: string, s: SchemaNode): unknown =>
  s.type === 'array' ? [] : s.type === 'object' ? {} : s.type === 'boolean' ? true : `<${key}>`

/**
 * One option of a plugin, commented: its description, type and default, then `key: default`. An
 * option with no default is shown commented once more (left out, it stays unset), and the fields
 * of a mapping's entries or a list's items follow as a commented example.
 */
const optionLines = (key: string, s: SchemaNode, indent: string, required: boolean): string[] => {
  const out = s.description ? wrap(s.description, indent) : []
  const hasDefault = s.default !== undefined
  if (s.type === 'object' && s.properties) {
    const fields = [`${indent}${key}:${Object.keys(s.properties).length === 0 ? ' {}' : ''}`]
    for (const [name, child] of Object.entries(s.properties)) {
      fields.push(...optionLines(name, child, `${indent}  `, s.required?.includes(name) ?? false))
    }
    // An optional group (e.g. `sasl`) stays unset unless its lines are uncommented.
    return [
      ...out,
      ...(hasDefault || required ? fields : fields.map((l) => l.replace(indent, `${indent}# `))),
    ]
  }
  const state = hasDefault ? `default ${yamlValue(s.default)}` : required ? 'required' : 'optional'
  out.push(`${indent}# ${describeType(s)}; ${state}`)
  out.push(
    `${indent}${hasDefault || required ? '' : '# '}${key}: ${yamlValue(hasDefault ? s.default : placeholder(key, s))}`,
  )
  const entry = entryOf(s)
  if (entry) {
    // `servers:` / `  NAME:` (a mapping) or `links:` / `  - room: ...` (a list), commented once more.
    const example = s.type === 'array' ? [`${key}:`, '  -'] : [`${key}:`, '  NAME:']
    const fields = Object.entries(entry.properties ?? {}).flatMap(([name, child]) =>
      optionLines(name, child, '    ', entry.required?.includes(name) ?? false),
    )
    out.push(`${indent}# for example:`, ...[...example, ...fields].map((l) => `${indent}# ${l}`))
  }
  return out
}

/** Every built-in plugin with every option at its default, all commented out (none is enabled). */
const pluginLines = (plugins: PluginRegistry): string[] => {
  const out = [
    '# The built-in plugins, none enabled, each with every option at its default. To enable some,',
    '# remove one "# " from the `plugins:` line below and from every line of each plugin you want;',
    '# an option you leave as it is keeps its default. docs/plugins.md tells more.',
    '#',
    '# plugins:',
  ]
  for (const [name, plugin] of Object.entries(plugins)) {
    const schema = plugin.config as SchemaNode
    const lines = [
      '',
      ...(plugin.description ? wrap(`${name} — ${plugin.description}`, '  ') : []),
      ...optionLines(name, { ...schema, description: undefined }, '  ', true),
    ]
    out.push(...lines.map((l) => (l === '' ? '#' : `# ${l}`)))
  }
  return out
}

/**
 * The YAML text: sections in schema order, each option preceded by comments, then the built-in
 * `plugins` commented out. `values` replaces a default by its dotted path (e.g.
 * `{ dataDir: '/var/lib/chathub' }` from `init --data-dir`).
 */
export const configTemplate = (
  values: Record<string, unknown> = {},
  plugins: PluginRegistry = {},
): string => {
  const out: string[] = [
    '# chathub configuration, written by `chathub init`.',
    '# Every option is listed with its default. Precedence: command-line flags > CHATHUB_* environment',
    '# variables > this file > defaults. `chathub serve --config FILE` reads it (./chathub.yaml is read',
    '# when present). Options marked (secret) should not be committed to version control.',
  ]
  const leaves = configLeaves()
  const opened = new Set<string>()
  for (const leaf of leaves) {
    const s = leaf.schema as SchemaNode
    // Open the enclosing sections the first time one of their options appears.
    for (let depth = 0; depth < leaf.path.length - 1; depth++) {
      const key = leaf.path.slice(0, depth + 1).join('.')
      if (opened.has(key)) continue
      opened.add(key)
      out.push('', `${'  '.repeat(depth)}${leaf.path[depth]}:`)
    }
    const indent = '  '.repeat(leaf.path.length - 1)
    const dotted = leaf.path.join('.')
    if (leaf.path.length === 1) out.push('')
    if (s.description) out.push(...wrap(s.description, indent))
    if (dotted === 'plugins') {
      // Left out, it is its default ({}); the plugins' own options follow, commented.
      out.push(
        `# ${describeType(s)}; default ${yamlValue(s.default ?? null)}`,
        ...pluginLines(plugins),
      )
      continue
    }
    out.push(
      `${indent}# ${describeType(s)}; env ${envName(leaf.path)}; default ${yamlValue(s.default ?? null)}`,
    )
    const value = dotted in values ? values[dotted] : s.default
    out.push(`${indent}${leaf.path[leaf.path.length - 1]}: ${yamlValue(value ?? null)}`)
  }
  return out.join('\n') + '\n'
}
