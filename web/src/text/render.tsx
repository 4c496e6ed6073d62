// Message text as Preact nodes: a small, safe subset of Markdown — **bold**, *italics* (or _italics_),
// `code`, ```code blocks```, and http(s) links (rel="noopener noreferrer") — plus @mentions
// highlighted. Everything is text nodes and elements built here: no HTML from a message ever
// reaches the DOM (no innerHTML anywhere in the client).
import type { ComponentChildren } from 'preact'

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/g
const INLINE_RE = /(\*\*([^*\n]+)\*\*)|(\*([^*\n]+)\*)|(\b_([^_\n]+)_\b)|(@[\p{L}\p{N}_.-]+)/gu

/** Plain text with links made clickable. */
const linked = (text: string, keyBase: string): ComponentChildren[] => {
  const out: ComponentChildren[] = []
  let last = 0
  for (const match of text.matchAll(URL_RE)) {
    const at = match.index ?? 0
    if (at > last) out.push(text.slice(last, at))
    out.push(
      <a key={`${keyBase}u${at}`} href={match[0]} target="_blank" rel="noopener noreferrer">
        {match[0]}
      </a>,
    )
    last = at + match[0].length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

/** Bold, italics and mentions inside a run of text without code. */
const inline = (text: string, me: string | undefined, keyBase: string): ComponentChildren[] => {
  const out: ComponentChildren[] = []
  let last = 0
  for (const match of text.matchAll(INLINE_RE)) {
    const at = match.index ?? 0
    if (at > last) out.push(...linked(text.slice(last, at), `${keyBase}${last}`))
    const key = `${keyBase}i${at}`
    if (match[2] !== undefined) out.push(<strong key={key}>{linked(match[2], key)}</strong>)
    else if (match[4] !== undefined) out.push(<em key={key}>{linked(match[4], key)}</em>)
    else if (match[6] !== undefined) out.push(<em key={key}>{linked(match[6], key)}</em>)
    else if (match[7] !== undefined) {
      const name = match[7].slice(1)
      out.push(
        <span key={key} class={name === me || name === 'room' ? 'mention mention-me' : 'mention'}>
          {match[7]}
        </span>,
      )
    }
    last = at + match[0].length
  }
  if (last < text.length) out.push(...linked(text.slice(last), `${keyBase}${last}`))
  return out
}

/** A message's text as nodes; `me` highlights mentions of the reader. */
export const renderText = (text: string, me?: string): ComponentChildren[] => {
  const out: ComponentChildren[] = []
  // Code blocks first, then code spans: nothing inside them is formatted.
  const blocks = text.split(/```\n?([\s\S]*?)```/g)
  blocks.forEach((part, i) => {
    if (i % 2 === 1) {
      out.push(
        <pre key={`b${i}`}>
          <code>{part}</code>
        </pre>,
      )
      return
    }
    part.split(/`([^`\n]+)`/g).forEach((piece, j) => {
      if (j % 2 === 1) out.push(<code key={`c${i}.${j}`}>{piece}</code>)
      else if (piece !== '') out.push(...inline(piece, me, `t${i}.${j}.`))
    })
  })
  return out
}
