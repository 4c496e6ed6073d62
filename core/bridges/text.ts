// Text shaping for networks with other limits: split to a byte limit (never inside a character,
// preferring line and word breaks), and the short lines sent where edits or reactions do not exist.
import { LINE_BREAK } from './safe-text.ts'

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * Split `text` into parts of at most `maxBytes` UTF-8 bytes. With `multiline: false` every line is
 * its own part (IRC cannot carry newlines): lines end at CR LF, a lone LF or a lone CR. Breaks at
 * whitespace when one is in the second half.
 */
export const splitText = (text: string, maxBytes: number, multiline = true): string[] => {
  const limit = Math.max(8, maxBytes)
  const blocks = multiline ? [text] : text.split(LINE_BREAK).filter((l) => l.trim() !== '')
  const parts: string[] = []
  for (const block of blocks) {
    let rest = block
    while (bytes(rest) > limit) {
      // The longest prefix within the limit, counted in whole code points.
      let cut = 0
      let used = 0
      for (const ch of rest) {
        const b = bytes(ch)
        if (used + b > limit) break
        used += b
        cut += ch.length
      }
      const head = rest.slice(0, cut)
      const space = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'))
      if (space > cut / 2) cut = space
      parts.push(rest.slice(0, cut).trimEnd())
      rest = rest.slice(cut).trimStart()
    }
    if (rest !== '' || parts.length === 0) parts.push(rest)
  }
  return parts.length > 0 ? parts : ['']
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

/**
 * A short line saying what an edit changed, word by word: `correction: "teh" → "the"`. Used once
 * per edit where the remote side cannot edit, instead of repeating the whole message.
 */
export const correctionLine = (before: string | null, after: string): string => {
  if (before === null) return `correction: ${clip(after, 120)}`
  const a = before.split(/\s+/).filter(Boolean)
  const b = after.split(/\s+/).filter(Boolean)
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  let s = 0
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++
  const was = a.slice(p, a.length - s).join(' ')
  const now = b.slice(p, b.length - s).join(' ')
  if (was === '' && now === '') return 'correction: (whitespace only)'
  if (was === '') return `correction: added "${clip(now, 100)}"`
  if (now === '') return `correction: removed "${clip(was, 100)}"`
  return `correction: "${clip(was, 80)}" → "${clip(now, 80)}"`
}

/**
 * The line a reaction becomes where the network has none: `format` with {emoji}, {to} (whose
 * message) and {excerpt} (its first words, on one line) filled in.
 */
export const reactionLine = (format: string, r: { emoji: string; to: string; text: string }): string => {
  const excerpt = clip(r.text.replace(/\s+/g, ' ').trim(), 60)
  return format.replace(/\{(emoji|to|excerpt)\}/g, (_all, key: 'emoji' | 'to' | 'excerpt') =>
    key === 'emoji' ? r.emoji : key === 'to' ? r.to : excerpt,
  )
}
