// What may leave the hub through a bridge: the one place that removes the characters networks cannot
// carry, applied by the link worker to every outbound item right before the bridge's send() sees it.
// IRC forbids NUL, CR and LF inside a message (RFC 2812 §2.3.1): a lone CR ends the line early, so
// the rest would run as a command of its own, and a NUL makes servers such as ngircd stop reading
// the connection. No network needs a NUL, so it is removed everywhere.
import type { BridgeCapabilities, OutboundItem } from './contract.ts'

/** Every kind of line break a line-based protocol treats as the end of a line. */
export const LINE_BREAK = /\r\n|\r|\n/

const NUL = /\0/g
const BREAKS = /\r\n|\r|\n/g

/** Text for a network that carries line breaks: NUL removed, CR LF and lone CR become LF. */
const multilineText = (s: string): string => s.replace(NUL, '').replace(BREAKS, '\n')

/** A single-line field (a name, a URL): NUL removed, line breaks become spaces. */
export const oneLine = (s: string): string => s.replace(NUL, '').replace(BREAKS, ' ')

/**
 * Text parts for a line-based network (`multiline: false`): each part split at every line break,
 * NUL removed, empty lines dropped (one empty part stays when nothing is left).
 */
const lineParts = (parts: readonly string[]): string[] => {
  const out = parts
    .flatMap((p) => p.replace(NUL, '').split(LINE_BREAK))
    .filter((line) => line.trim() !== '')
  return out.length > 0 ? out : ['']
}

/**
 * The item as it may leave for a network with these capabilities. Text parts of line-based networks
 * are split at line breaks (so a line can only ever be one message); every other string field
 * (sender names, reply names, attachment names and URLs) is made one line; NUL never leaves.
 */
export const safeOutbound = (item: OutboundItem, caps: BridgeCapabilities): OutboundItem => {
  const text = caps.multiline ? multilineText : oneLine
  switch (item.type) {
    case 'message':
      return {
        ...item,
        from: oneLine(item.from),
        parts: caps.multiline ? item.parts.map(multilineText) : lineParts(item.parts),
        ...(item.replyTo
          ? {
              replyTo: {
                ...item.replyTo,
                ...(item.replyTo.from !== undefined ? { from: oneLine(item.replyTo.from) } : {}),
              },
            }
          : {}),
        ...(item.attachments
          ? {
              attachments: item.attachments.map((a) => ({
                ...a,
                name: oneLine(a.name),
                mime: oneLine(a.mime),
                url: oneLine(a.url),
              })),
            }
          : {}),
      }
    case 'edit':
      return { ...item, from: oneLine(item.from), text: text(item.text) }
    case 'delete':
      return { ...item, from: oneLine(item.from) }
    case 'reaction':
      return { ...item, from: oneLine(item.from), emoji: oneLine(item.emoji) }
    case 'dropped':
      return item
  }
}
