// The `chathub` command examples of a Markdown page, found by the rule in
// test/docs/command-examples.test.ts: command lines of fenced code blocks, and inline code spans of
// the prose that start with `chathub ` (read as commands, or as synopses when they use synopsis
// notation).
import { chathubInvocations, type Invocation } from './shell-words.ts'

/**
 * How strictly an example is checked:
 * - `command`: a line of a code block; parsed exactly as the program parses it.
 * - `prose`: an inline code span written as a command; parsed the same way, except that what it
 *   leaves out (required flags and arguments, the value of a last flag it only names) is allowed.
 * - `synopsis`: an inline span in synopsis notation (`[--json]`, `ROOM | --dm USER`, `TEXT…`,
 *   `add/list/remove`); its commands must exist and every flag it names must be theirs.
 */
export type ExampleKind = 'command' | 'prose' | 'synopsis'

export interface DocExample {
  /** `docs/cli.md:42` (the line of a span's opening backquote), or a command's `examples[i]`. */
  where: string
  /** The example as written: the code line, or the span's text. */
  text: string
  kind: ExampleKind
  /** For `command` and `prose`. */
  invocation?: Invocation
  /** For `synopsis`: the command words of each alternative, and every flag the span names. */
  synopsis?: Synopsis
  /** Why the example could not be read (an unterminated quote). */
  problem?: string
}

export interface Synopsis {
  alternatives: string[][]
  flags: string[]
}

/** Code block languages whose lines are commands even without a `$ ` prompt. */
const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'zsh'])
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/
const PROMPT = /^\s*\$ /
const SYNOPSIS_MARK = /[[\](){}|…]|\.\.\./
const NAME_LIST = /^[a-z][a-z0-9-]*(?:[/|][a-z][a-z0-9-]*)+$/

/** Every example of one page; `file` names it in each example's `where`. */
export const docExamples = (file: string, markdown: string): DocExample[] => {
  const lines = markdown.split(/\r?\n/)
  const examples: DocExample[] = []
  let prose: { start: number; text: string[] } = { start: 0, text: [] }
  const flushProse = () => {
    examples.push(...inlineExamples(file, prose.start, prose.text.join('\n')))
    prose = { start: 0, text: [] }
  }

  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (!open) {
      const text = lines[i] ?? ''
      if (text.trim() === '') flushProse()
      else {
        if (prose.text.length === 0) prose.start = i + 1
        prose.text.push(text)
      }
      continue
    }
    flushProse()
    const fence = open[2] ?? '```'
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !close.test(lines[end] ?? '')) end++
    examples.push(...blockExamples(file, i + 2, lines.slice(i + 1, end), open[3] ?? ''))
    i = end
  }
  flushProse()
  return examples
}

/**
 * The commands of a code block (`firstLine` is the 1-based line of its first content line). With
 * `$ ` prompts, the prompt lines are the commands and the rest is output; without them, every line
 * of a shell-language block is a command. A line ending in `\` continues on the next.
 */
const blockExamples = (
  file: string,
  firstLine: number,
  lines: string[],
  lang: string,
): DocExample[] => {
  const prompted = lines.some((l) => PROMPT.test(l))
  if (!prompted && !SHELL_LANGUAGES.has(lang)) return []
  const examples: DocExample[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = i
    let text = lines[i] ?? ''
    if (prompted && !PROMPT.test(text)) continue
    while (text.endsWith('\\') && i + 1 < lines.length)
      text = `${text.slice(0, -1)} ${lines[++i] ?? ''}`
    const command = prompted ? text.replace(PROMPT, '') : text
    const where = `${file}:${firstLine + line}`
    for (const read of readInvocations(command)) {
      examples.push({ where, text: command.trim(), kind: 'command', ...read })
    }
  }
  return examples
}

/** The `chathub …` code spans of one paragraph (`firstLine` is its 1-based first line). */
const inlineExamples = (file: string, firstLine: number, paragraph: string): DocExample[] => {
  const examples: DocExample[] = []
  for (const span of paragraph.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) {
    // A line break inside a span is a space; in a table cell `\|` is a literal `|`.
    const text = (span[2] ?? '')
      .replace(/\s*\n\s*/g, ' ')
      .replaceAll('\\|', '|')
      .trim()
    const words = /^(?:npx )?chathub (.*)$/.exec(text)
    if (!words) continue
    const where = `${file}:${firstLine + paragraph.slice(0, span.index).split('\n').length - 1}`
    const rest = words[1] ?? ''
    if (isSynopsis(rest)) {
      examples.push({ where, text, kind: 'synopsis', synopsis: readSynopsis(rest) })
      continue
    }
    for (const read of readInvocations(text)) examples.push({ where, text, kind: 'prose', ...read })
  }
  return examples
}

/** The line's invocations, or the reason it cannot be read when it mentions chathub. */
const readInvocations = (line: string): { invocation?: Invocation; problem?: string }[] => {
  try {
    return chathubInvocations(line).map((invocation) => ({ invocation }))
  } catch (err) {
    return /\bchathub\b/.test(line)
      ? [{ problem: err instanceof Error ? err.message : String(err) }]
      : []
  }
}

/** Synopsis notation: brackets, braces, parentheses, alternatives (`|`, `add/list`), ellipses. */
const isSynopsis = (words: string): boolean => {
  if (SYNOPSIS_MARK.test(words)) return true
  for (const word of words.split(/\s+/)) {
    if (word.startsWith('-')) return false
    if (NAME_LIST.test(word)) return true
  }
  return false
}

/**
 * The commands and flags a synopsis names. Optional and grouped parts (`[…]`, `(…)`) are left out of
 * the command words (their flags still count); `a/b` and `a|b` words give one alternative each;
 * after ` | ` come other flags of the same command, not other command words.
 */
export const readSynopsis = (words: string): Synopsis => {
  const flags = [...words.matchAll(/(?:^|[\s[(|])(--?[A-Za-z][\w-]*)/g)].map((m) => m[1] ?? '')
  let core = words
  for (let before = ''; before !== core;) {
    before = core
    core = core.replace(/\s*\[[^[\]]*\]/g, '').replace(/\s*\([^()]*\)/g, '')
  }
  core = core.split(' | ')[0] ?? ''
  let alternatives: string[][] = [[]]
  // An ellipsis alone stands for more words (`chathub …`: any command).
  for (const word of core.split(/\s+/).filter((w) => w && w !== '…' && w !== '...')) {
    const choices = NAME_LIST.test(word) ? word.split(/[/|]/) : [word]
    alternatives = alternatives.flatMap((argv) => choices.map((choice) => [...argv, choice]))
  }
  return { alternatives, flags }
}
