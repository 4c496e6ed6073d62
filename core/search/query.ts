// The search syntax people type, turned into an FTS5 query on the `text` column. Nothing typed
// reaches FTS5 as syntax: every word or phrase becomes a quoted FTS5 string (https://sqlite.org/fts5.html,
// section 3), so FTS5's own operators, column filters, NEAR, ^ and stray quotes are plain text.
//
//   deploy failed      both words (any order)       "deploy failed"   the exact phrase
//   deplo*             a word starting with deplo   -staging          leave out messages with it
//   deploy OR release  either word                  NOT, AND          the same as - and a space
//
// Words match as the index tokenizes them (unicode61, remove_diacritics 2): case and accents are
// ignored, punctuation separates words (`e-mail` is the phrase "e mail").
import { searchErrors } from './errors.ts'

/** Longest query accepted, in characters. */
export const MAX_QUERY_CHARS = 256
/** Most words and phrases in one query. */
export const MAX_QUERY_TERMS = 16
/** Letters before a `*`: a one-letter prefix would read a large part of the index. */
const MIN_PREFIX_CHARS = 2

/** A character unicode61 keeps in a token (letters, numbers, private use); the rest separate. */
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u
const LAST_TOKEN = /[\p{L}\p{N}\p{Co}\p{M}]+$/u

interface Item {
  text: string
  quoted: boolean
  prefix: boolean
  exclude: boolean
}

/** A word or phrase to look for, as typed (the index, or a device's search, splits it into words). */
export interface QueryTerm {
  text: string
  /** The last word is a prefix (`deplo*`). */
  prefix: boolean
}

interface Term extends QueryTerm {
  exclude: boolean
  /** Joined to the term before it by OR rather than AND. */
  or: boolean
}

/** A query as its terms: every group must match (one of its terms), no excluded term may. */
export interface QueryTerms {
  all: QueryTerm[][]
  excluded: QueryTerm[]
  /** How many words and phrases it has. */
  terms: number
}

export interface ParsedQuery {
  /** The FTS5 query expression, on the `text` column only. */
  match: string
  /** How many words and phrases it has. */
  terms: number
}

/**
 * Parse what a user typed into its terms; throws CHATHUB_SEARCH_QUERY_INVALID or _TOO_LONG. The hub
 * turns them into FTS5 (parseQuery); a device matches its decrypted logs with them (core/client/e2e/log-search.ts).
 */
export const parseTerms = (input: string): QueryTerms => {
  if (input.length > MAX_QUERY_CHARS)
    throw searchErrors.queryTooLong(MAX_QUERY_CHARS, MAX_QUERY_TERMS)
  // Control characters are no part of a word (and FTS5 reads a NUL as the end of the query).
  const terms = combine(lex(input.replace(/\p{Cc}/gu, ' ')))
  if (terms.length > MAX_QUERY_TERMS)
    throw searchErrors.queryTooLong(MAX_QUERY_CHARS, MAX_QUERY_TERMS)
  const wanted = terms.filter((t) => !t.exclude)
  if (wanted.length === 0) {
    throw searchErrors.queryInvalid(
      terms.length === 0 ? 'it has no words to look for' : 'it only leaves words out',
    )
  }
  const all: QueryTerm[][] = []
  for (const t of wanted) {
    const last = all.at(-1)
    if (t.or && last) last.push(plain(t))
    else all.push([plain(t)])
  }
  const excluded = terms.filter((t) => t.exclude).map(plain)
  return { all, excluded, terms: terms.length }
}

const plain = ({ text, prefix }: Term): QueryTerm => ({ text, prefix })

/** The FTS5 string of a term: `"text"`, or `"text"*` for a prefix. */
const ftsOf = (t: QueryTerm): string => `"${t.text.replaceAll('"', '""')}"${t.prefix ? '*' : ''}`

/** Parse what a user typed into an FTS5 query; throws CHATHUB_SEARCH_QUERY_INVALID or _TOO_LONG. */
export const parseQuery = (input: string): ParsedQuery => {
  const { all: groups, excluded, terms } = parseTerms(input)
  const all = groups
    .map((g) => (g.length === 1 ? ftsOf(g[0]!) : `(${g.map(ftsOf).join(' OR ')})`))
    .join(' AND ')
  const match =
    excluded.length === 0
      ? `text : (${all})`
      : `(text : (${all}) NOT text : (${excluded.map(ftsOf).join(' OR ')}))`
  return { match, terms }
}

/** Split into words and quoted phrases, with their `-` and `*` marks. */
const lex = (input: string): Item[] => {
  const items: Item[] = []
  let i = 0
  while (i < input.length) {
    if (/\s/u.test(input[i] ?? '')) {
      i++
      continue
    }
    let exclude = false
    if (input[i] === '-' && i + 1 < input.length && !/\s/u.test(input[i + 1] ?? '')) {
      exclude = true
      i++
    }
    if (input[i] === '"') {
      // A phrase runs to the next quote (or to the end, when the closing quote is missing).
      const end = input.indexOf('"', i + 1)
      const stop = end === -1 ? input.length : end
      const text = input.slice(i + 1, stop)
      i = stop + 1
      let prefix = false
      while (input[i] === '*') {
        prefix = true
        i++
      }
      items.push({ text, quoted: true, prefix, exclude })
      continue
    }
    let end = i
    while (end < input.length && !/\s/u.test(input[end] ?? '')) end++
    const word = input.slice(i, end)
    i = end
    const text = word.replace(/\*+$/u, '')
    items.push({ text, quoted: false, prefix: text.length < word.length, exclude })
  }
  return items
}

/** Apply the OR / AND / NOT keywords and drop what holds no word; each item becomes a term. */
const combine = (items: Item[]): Term[] => {
  const terms: Term[] = []
  let or = false
  let not = false
  items.forEach((item, i) => {
    const keyword = !item.quoted && !item.exclude && !item.prefix ? item.text : ''
    const next = items[i + 1]
    const last = terms.at(-1)
    // A keyword only between two things (`OR` between two wanted words); elsewhere it is a word.
    if (keyword === 'AND' && last && next) return
    if (keyword === 'NOT' && next && !next.exclude) {
      not = true
      return
    }
    if (keyword === 'OR' && last && !last.exclude && next && !next.exclude && next.text !== 'NOT') {
      or = true
      return
    }
    const exclude = item.exclude || not
    const term = toTerm(item, exclude, or && !exclude)
    or = false
    not = false
    if (term) terms.push(term)
  })
  return terms
}

const toTerm = (item: Item, exclude: boolean, or: boolean): Term | undefined => {
  if (!TOKEN_CHAR.test(item.text)) return undefined
  if (item.prefix) {
    const last = LAST_TOKEN.exec(item.text)?.[0] ?? ''
    if ([...last].length < MIN_PREFIX_CHARS) {
      throw searchErrors.queryInvalid(
        `a prefix needs at least ${MIN_PREFIX_CHARS} letters before the * ("${item.text}*")`,
      )
    }
  }
  return { text: item.text, prefix: item.prefix, exclude, or }
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/

/**
 * A search bound (`after`, `before`): ms since the epoch, `2025-03-01` (midnight UTC) or
 * `2025-03-01T14:30[:00[.000]][Z|+01:00]` (UTC if no zone); throws CHATHUB_SEARCH_DATE_INVALID.
 */
export const parseTime = (name: string, value: number | string): number => {
  if (typeof value === 'number') return value
  if (/^\d{1,16}$/.test(value)) return Number(value)
  const iso = ISO.exec(value)
  const ms = iso ? Date.parse(value.includes('T') && !iso[1] ? `${value}Z` : value) : Number.NaN
  if (Number.isNaN(ms)) throw searchErrors.dateInvalid(name, value.slice(0, 64))
  return ms
}
