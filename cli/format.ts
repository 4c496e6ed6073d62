// How the client commands print messages: one line each, "#seq time from: text", with attachment,
// edit/delete, bot, thread and reaction marks.
import type { MessageView } from '#core/protocol/messages'

const pad = (n: number) => String(n).padStart(2, '0')

/** Local "YYYY-MM-DD HH:MM", or only "HH:MM" for today. */
export const formatTime = (ts: number, now = new Date()): string => {
  const d = new Date(ts)
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (d.toDateString() === now.toDateString()) return hm
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`
}

export const formatMessage = (m: MessageView, now?: Date): string => {
  const text = m.undecryptable
    ? `(cannot decrypt: ${m.undecryptable.reason.replaceAll('_', ' ')}; ${m.undecryptable.code})`
    : m.deletedAt !== undefined || m.text === null
      ? '(deleted)'
      : m.text
  const marks = [
    m.editedAt !== undefined && m.deletedAt === undefined ? '(edited)' : '',
    m.bot ? '[bot]' : '',
  ]
  const reply = m.replyTo !== undefined ? `↪#${m.replyTo} ` : ''
  if (m.replies) marks.push(`[${plural(m.replies.count, 'reply', 'replies')}: --thread ${m.seq}]`)
  if (m.reactions && m.deletedAt === undefined) marks.push(m.reactions.map((r) => `${r.emoji} ${r.count}`).join('  '))
  const tail = marks.filter(Boolean).join(' ')
  // Attachments: one "[file name, size, id]" mark each; `chathub reveal --message SEQ` reads hidden text.
  const files = (m.deletedAt === undefined ? (m.attachments ?? []) : [])
    .map((a) => ` [${a.name}, ${formatSize(a.size)}, ${a.id}]`)
    .join('')
  return `#${m.seq} ${formatTime(m.ts, now)} ${m.from}: ${reply}${text}${files}${tail ? ` ${tail}` : ''}`
}

const formatSize = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`

/** A count with its noun: "1 message", "2 messages" (`many` for irregular plurals). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
