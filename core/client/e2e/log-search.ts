// Search of a device's decrypted logs, for end-to-end encrypted rooms (the hub holds only their
// ciphertext and never indexes them). Same syntax as the hub's search (core/search/query.ts) and the
// same results as its index: words split as SQLite FTS5's unicode61 tokenizer with remove_diacritics 2
// splits them (letters and numbers; case, and accents of Latin letters, ignored), a phrase matches its
// words in a row, `word*` a word's start; hits newest first, each with the snippet FTS5's snippet()
// would give (https://sqlite.org/fts5.html, section 5.1.2: up to 16 words, `…` where cut; its
// window choice and marks are ported below) and the matched words' offsets.
import { byNewest, type SearchPosition } from '#core/client/search-merge'
import type { MessageView, SearchHit } from '#core/protocol/messages'
import { parseTerms, parseTime, type QueryTerm } from '#core/search/query'

/** Words of context in a snippet, as the hub's. */
const SNIPPET_TOKENS = 16
const WORD = /[\p{L}\p{N}\p{Co}\p{M}]+/gu
const LATIN = /\p{Script=Latin}/u
const MARK = /\p{M}/gu

export interface LogFilters {
  /** Only messages from this user. */
  from?: string
  /** Sent at or after / strictly before: ms since the epoch, or an ISO date or time (as the hub's). */
  after?: number | string
  before?: number | string
}

/** A search ready to run: its matcher and bounds (compileSearch). */
export interface LogSearch {
  match: LogMatcher
  from: string | undefined
  after: number
  before: number
}

interface Token {
  key: string
  start: number
  end: number
}

/** A word as the index compares it: lower case, Latin letters without their accents. */
const fold = (word: string): string => {
  let out = ''
  for (const ch of word.normalize('NFC')) {
    const parts = ch.normalize('NFD')
    out += LATIN.test(parts) ? parts.replace(MARK, '') : ch
  }
  return out.toLowerCase()
}

const tokens = (text: string): Token[] =>
  [...text.matchAll(WORD)].map((m) => ({
    key: fold(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }))

interface Phrase {
  keys: string[]
  prefix: boolean
}

const phraseOf = (term: QueryTerm): Phrase => ({
  keys: tokens(term.text).map((t) => t.key),
  prefix: term.prefix,
})

/** An occurrence of a query's phrase in a text: which phrase, at which word, how many words. */
interface Instance {
  phrase: number
  at: number
  size: number
}

/** Where the phrase occurs in the words (word indexes); empty when it does not. */
const occurrences = (words: Token[], phrase: Phrase): number[] => {
  const found: number[] = []
  const n = phrase.keys.length
  if (n === 0) return found
  for (let i = 0; i + n <= words.length; i++) {
    let ok = true
    for (let j = 0; j < n && ok; j++) {
      const word = words[i + j]!.key
      const key = phrase.keys[j]!
      ok = phrase.prefix && j === n - 1 ? word.startsWith(key) : word === key
    }
    if (ok) found.push(i)
  }
  return found
}

/** A compiled query: its phrases' occurrences in a text (by position), or undefined when it does not match. */
export type LogMatcher = (words: Token[]) => Instance[] | undefined

/** Compile what a user typed (the hub's syntax; throws the hub's CHATHUB_SEARCH_QUERY_* codes). */
export const compileQuery = (q: string): LogMatcher => {
  const parsed = parseTerms(q)
  // Phrases are numbered in query order, as FTS5 numbers them (for the snippet's score).
  let next = 0
  const all = parsed.all.map((group) => group.map((term) => ({ ...phraseOf(term), id: next++ })))
  const excluded = parsed.excluded.map(phraseOf)
  return (words) => {
    if (excluded.some((p) => occurrences(words, p).length > 0)) return undefined
    const found: Instance[] = []
    for (const group of all) {
      const before = found.length
      for (const p of group)
        for (const at of occurrences(words, p))
          found.push({ phrase: p.id, at, size: p.keys.length })
      if (found.length === before) return undefined
    }
    return found.sort((a, b) => a.at - b.at || a.phrase - b.phrase)
  }
}

/**
 * fts5SnippetScore: the score of the window of `SNIPPET_TOKENS` words from `from` (1000 per phrase
 * seen in it, 1 per repeat), and where a window centred on those matches would start.
 */
const windowScore = (
  instances: Instance[],
  from: number,
  size: number,
): { score: number; centred: number } => {
  const seen = new Set<number>()
  let score = 0
  let first = -1
  let last = 0
  for (const i of instances) {
    if (i.at < from || i.at >= from + SNIPPET_TOKENS) continue
    score += seen.has(i.phrase) ? 1 : 1000
    seen.add(i.phrase)
    if (first < 0) first = i.at
    last = i.at + i.size
  }
  let centred = first - Math.trunc((SNIPPET_TOKENS - (last - first)) / 2)
  if (centred + SNIPPET_TOKENS > size) centred = size - SNIPPET_TOKENS
  return { score, centred: Math.max(0, centred) }
}

/** fts5SentenceFinderCb: the words that start a sentence (the first, and one after `.` or `:` and a space). */
const sentenceStarts = (text: string, words: Token[]): number[] =>
  words.flatMap((w, i) => {
    if (i === 0) return [0]
    let at = w.start - 1
    while (at >= 0 && ' \t\n\r'.includes(text[at]!)) at--
    return at !== w.start - 1 && (text[at] === '.' || text[at] === ':') ? [i] : []
  })

/** The first word of the snippet, as fts5SnippetFunction chooses it. */
const bestStart = (text: string, words: Token[], instances: Instance[]): number => {
  const starts = sentenceStarts(text, words)
  let best = 0
  let start = 0
  for (const instance of instances) {
    const { score, centred } = windowScore(instances, instance.at, words.length)
    if (score > best) [best, start] = [score, centred]
    if (words.length <= SNIPPET_TOKENS) continue
    // The sentence the match is in, from its start, scores a little more.
    let jj = 0
    while (jj < starts.length - 1 && starts[jj + 1]! <= instance.at) jj++
    const sentence = starts[jj]!
    if (sentence < instance.at) {
      const bonus =
        windowScore(instances, sentence, words.length).score + (sentence === 0 ? 120 : 100)
      if (bonus > best) [best, start] = [bonus, sentence]
    }
  }
  return start
}

/** The snippet and its marks, as FTS5's snippet() highlights: overlapping occurrences make one mark. */
const snippetOf = (
  text: string,
  words: Token[],
  instances: Instance[],
): Pick<SearchHit, 'snippet' | 'marks'> => {
  const start = bestStart(text, words, instances)
  const end = Math.min(start + SNIPPET_TOKENS, words.length) - 1
  const spans: [number, number][] = []
  for (const i of instances) {
    const prev = spans.at(-1)
    if (prev && i.at <= prev[1]) prev[1] = Math.max(prev[1], i.at + i.size - 1)
    else spans.push([i.at, i.at + i.size - 1])
  }
  const from = start === 0 ? 0 : words[start]!.start
  const whole = end >= words.length - 1
  const to = whole ? text.length : words[end]!.end
  const lead = start > 0 ? '…' : ''
  const offset = (at: number) => at - from + lead.length
  const marks = spans
    .filter(([first]) => first >= start && first <= end)
    .map(([first, last]): [number, number] => [
      offset(words[first]!.start),
      offset(words[Math.min(last, end)]!.end),
    ])
  return { snippet: `${lead}${text.slice(from, to)}${whole ? '' : '…'}`, marks }
}

/** The query and filters, checked (the hub's CHATHUB_SEARCH_QUERY_* and _DATE_INVALID codes). */
export const compileSearch = (q: string, filters: LogFilters = {}): LogSearch => ({
  match: compileQuery(q),
  from: filters.from,
  after: filters.after === undefined ? -Infinity : parseTime('after', filters.after),
  before: filters.before === undefined ? Infinity : parseTime('before', filters.before),
})

/**
 * The hits in these rooms' logs, newest first (after `below`, the previous page's last): at most
 * `limit`, and whether more follow. Deleted messages and those this device could not decrypt have
 * no text and never match.
 */
export const searchLogs = (
  logs: readonly { room: string; log: readonly MessageView[] }[],
  search: LogSearch,
  page: { below?: SearchPosition | undefined; limit: number },
): { results: SearchHit[]; more: boolean } => {
  const { match, from, after, before } = search
  const below = page.below
  const hits: SearchHit[] = []
  for (const { log } of logs) {
    for (const message of log) {
      if (typeof message.text !== 'string' || message.deletedAt !== undefined) continue
      if (message.ts < after || message.ts >= before) continue
      if (from !== undefined && message.from !== from) continue
      if (below && byNewest(below, message) >= 0) continue
      const words = tokens(message.text)
      const instances = match(words)
      if (!instances) continue
      hits.push({ message, ...snippetOf(message.text, words, instances), source: 'device' })
    }
  }
  hits.sort((a, b) => byNewest(a.message, b.message))
  return { results: hits.slice(0, page.limit), more: hits.length > page.limit }
}
