// The `chathub` invocations in one line of shell, as a shell would split them into words: quotes and
// backslash escapes resolved, `$VAR`, `$(…)`, backquotes and `<…>` placeholders kept as opaque words,
// commands separated at `|`, `||`, `&&`, `;`, `&`, redirects (with their target) dropped, and
// everything after an unquoted `#` at the start of a word ignored. Enough shell for documentation
// examples; not a shell (no aliases, functions, here-documents or expansions).

/** One `chathub …` command found in a line. */
export interface Invocation {
  /** The words after `chathub` (or `npx chathub`), as the program receives them in argv. */
  argv: string[]
  /** `NAME=value` assignments written before the command (`CHATHUB_HOME=ha chathub …`). */
  env: Record<string, string>
  /** The command reads a pipe (`uptime | chathub send --room ops`), not a terminal. */
  piped: boolean
  /** Words whose value the example does not give: `$VAR`, `$(…)`, `<…>`, `…`, UPPER_CASE names. */
  placeholders: string[]
}

interface Word {
  kind: 'word'
  value: string
  /** Holds an expansion or a `<…>` placeholder: its real value is not in the text. */
  opaque: boolean
}
interface Operator {
  kind: 'op'
  value: '|' | '||' | '&&' | ';' | '&' | '(' | ')'
}
type Token = Word | Operator

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/
const PLACEHOLDER_NAME = /^[A-Z][A-Z0-9_]*$/

/** Is this word a stand-in for a value (ROOM, SEQ, FILE, `$PASS`, `<id>`, `…`) rather than one? */
export const isPlaceholder = (word: string): boolean =>
  PLACEHOLDER_NAME.test(word) || word.includes('…') || /<[^<>]+>/.test(word)

/** Split a line into words and operators; stops at a comment. Throws on an unterminated quote. */
export const tokenize = (line: string): Token[] => {
  const tokens: Token[] = []
  let value = ''
  let opaque = false
  let started = false // a word is open (even an empty one, from '' or "")
  let dropNext = false // the next word is a redirect's target

  const endWord = () => {
    if (started) {
      if (dropNext) dropNext = false
      else tokens.push({ kind: 'word', value, opaque })
    }
    value = ''
    opaque = false
    started = false
  }
  const op = (op: Operator['value']) => {
    endWord()
    tokens.push({ kind: 'op', value: op })
  }
  /** Index just past the `)` that closes the `(` at `open`, quotes and nesting respected. */
  const closingParen = (open: number): number => {
    let depth = 0
    for (let j = open; j < line.length; j++) {
      const c = line[j]
      if (c === '\\') j++
      else if (c === "'") j = line.indexOf("'", j + 1)
      else if (c === '"') j = closingQuote(j)
      else if (c === '(') depth++
      else if (c === ')' && --depth === 0) return j + 1
      if (j < 0) break
    }
    throw new Error(`unterminated $( in: ${line}`)
  }
  const closingQuote = (open: number): number => {
    for (let j = open + 1; j < line.length; j++) {
      if (line[j] === '\\') j++
      else if (line[j] === '"') return j
    }
    throw new Error(`unterminated " in: ${line}`)
  }
  /** An expansion starting with `$` at i: kept as written, marks the word opaque; returns its end. */
  const expansion = (i: number): number => {
    const next = line[i + 1] ?? ''
    if (next === '(') return closingParen(i + 1)
    if (next === '{') {
      const close = line.indexOf('}', i)
      if (close < 0) throw new Error(`unterminated \${ in: ${line}`)
      return close + 1
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9?#@*$!-])/.exec(line.slice(i + 1))
    return name ? i + 1 + name[0].length : i + 1
  }

  let i = 0
  while (i < line.length) {
    const c = line[i] ?? ''
    if (c === ' ' || c === '\t' || c === '\n') {
      endWord()
      i++
    } else if (c === '#' && !started) {
      break
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1)
      if (close < 0) throw new Error(`unterminated ' in: ${line}`)
      value += line.slice(i + 1, close)
      started = true
      i = close + 1
    } else if (c === '$' && line[i + 1] === "'") {
      // ANSI-C quoting: $'a\nb'
      let j = i + 2
      for (; j < line.length && line[j] !== "'"; j++) {
        if (line[j] !== '\\') {
          value += line[j]
          continue
        }
        j++
        const e = line[j] ?? ''
        value += e === 'n' ? '\n' : e === 't' ? '\t' : e
      }
      if (j >= line.length) throw new Error(`unterminated $' in: ${line}`)
      started = true
      i = j + 1
    } else if (c === '"') {
      const close = closingQuote(i)
      for (let j = i + 1; j < close; j++) {
        const d = line[j] ?? ''
        if (d === '\\' && '$`"\\\n'.includes(line[j + 1] ?? '')) {
          value += line[++j]
        } else if (d === '$' && /[A-Za-z_({0-9?#@*!-]/.test(line[j + 1] ?? '')) {
          const end = expansion(j)
          value += line.slice(j, end)
          opaque = true
          j = end - 1
        } else if (d === '`') {
          const end = line.indexOf('`', j + 1)
          if (end < 0 || end > close) throw new Error(`unterminated \` in: ${line}`)
          value += line.slice(j, end + 1)
          opaque = true
          j = end
        } else {
          value += d
        }
      }
      started = true
      i = close + 1
    } else if (c === '\\') {
      value += line[i + 1] ?? ''
      started = true
      i += 2
    } else if (c === '$' && /[A-Za-z_({0-9?#@*!-]/.test(line[i + 1] ?? '')) {
      const end = expansion(i)
      value += line.slice(i, end)
      opaque = true
      started = true
      i = end
    } else if (c === '`') {
      const end = line.indexOf('`', i + 1)
      if (end < 0) throw new Error(`unterminated \` in: ${line}`)
      value += line.slice(i, end + 1)
      opaque = true
      started = true
      i = end + 1
    } else if (c === '<' && /^<[A-Za-z][^<>]*>/.test(line.slice(i))) {
      // A documentation placeholder such as <id> or <directory holding rebuilt.db>, not a redirect.
      const end = line.indexOf('>', i)
      value += line.slice(i, end + 1)
      opaque = true
      started = true
      i = end + 1
    } else if (c === '>' || c === '<' || (c === '&' && line[i + 1] === '>')) {
      // A redirect: `2>file`, `>>log`, `&>out`, `<in`, `2>&1`. Its file descriptor and target go.
      if (started && /^[0-9]+$/.test(value)) started = false
      endWord()
      i += c === '&' ? 2 : 1
      while (line[i] === '>' || line[i] === '<') i++
      if (line[i] === '&') i++
      dropNext = true
    } else if (c === '|') {
      op(line[i + 1] === '|' ? '||' : '|')
      i += line[i + 1] === '|' ? 2 : line[i + 1] === '&' ? 2 : 1
    } else if (c === '&') {
      op(line[i + 1] === '&' ? '&&' : '&')
      i += line[i + 1] === '&' ? 2 : 1
    } else if (c === ';' || c === '(' || c === ')') {
      op(c)
      i++
    } else {
      value += c
      started = true
      i++
    }
  }
  endWord()
  return tokens
}

/** Every `chathub …` (or `npx chathub …`) command in a line of shell. */
export const chathubInvocations = (line: string): Invocation[] => {
  const found: Invocation[] = []
  let words: Word[] = []
  let piped = false
  const flush = () => {
    const env: Record<string, string> = {}
    let k = 0
    for (; k < words.length && ENV_ASSIGNMENT.test(words[k]?.value ?? ''); k++) {
      const [name = '', ...rest] = (words[k]?.value ?? '').split('=')
      env[name] = rest.join('=')
    }
    if (words[k]?.value === 'npx') k++
    if (words[k]?.value === 'chathub') {
      const args = words.slice(k + 1)
      found.push({
        argv: args.map((w) => w.value),
        env,
        piped,
        placeholders: args.filter((w) => w.opaque || isPlaceholder(w.value)).map((w) => w.value),
      })
    }
    words = []
  }
  for (const token of tokenize(line)) {
    if (token.kind === 'word') {
      words.push(token)
      continue
    }
    flush()
    piped = token.value === '|'
  }
  flush()
  return found
}
