// The commented config file `chathub init` writes, generated from the hub config schema: every option
// with its description, type, environment variable and default, so the file never drifts from the code.
import type { TSchema } from '#typebox'
import { stringify } from 'yaml'
import { configLeaves, envName } from '#core/config'

interface SchemaNode {
  type?: string
  description?: string
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  anyOf?: { const?: unknown }[]
  properties?: Record<string, TSchema>
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

/** "integer, 1..65535", "one of normal, full", "list of strings". */
const describeType = (s: SchemaNode): string => {
  if (s.anyOf) return `one of ${s.anyOf.map((a) => String(a.const)).join(', ')}`
  if (s.type === 'array') return 'list of strings'
  if (s.type === 'object') return 'mapping'
  let range = ''
  const min = s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : s.minimum
  if (min !== undefined && s.maximum !== undefined) range = `, ${min}..${s.maximum}`
  else if (s.exclusiveMinimum !== undefined) range = `, > ${s.exclusiveMinimum}`
  else if (s.minimum !== undefined) range = `, >= ${s.minimum}`
  return `${s.type ?? 'value'}${range}`
}

const yamlValue = (value: unknown): string =>
  stringify(value, { flowCollectionPadding: false }).trimEnd()

/**
 * The YAML text: sections in schema order, each option preceded by comments. `values` replaces a
 * default by its dotted path (e.g. `{ dataDir: '/var/lib/chathub' }` from `init --data-dir`).
 */
export const configTemplate = (values: Record<string, unknown> = {}): string => {
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
    const env = leaf.path[0] === 'plugins' ? '' : `; env ${envName(leaf.path)}`
    out.push(`${indent}# ${describeType(s)}${env}; default ${yamlValue(s.default ?? null)}`)
    const value = dotted in values ? values[dotted] : s.default
    out.push(`${indent}${leaf.path[leaf.path.length - 1]}: ${yamlValue(value ?? null)}`)
  }
  return out.join('\n') + '\n'
}
