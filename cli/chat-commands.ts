// The chat's own commands: lines `chathub chat` acts on itself (`/me`, `/reply`, `/edit`, `/delete`,
// `/react`, `/topic`, `/who`, `/switch`, `/rooms`, `/quit`) instead of sending them. Every other line starting with `/`
// goes to the hub, which runs its commands (`/help`, a plugin's `/stego capacity`).

/** What a line asks the chat to do. */
export type ChatAction =
  | { kind: 'send'; text: string; replyTo?: number }
  | { kind: 'edit'; seq?: number; text: string }
  | { kind: 'delete'; seq?: number }
  | { kind: 'react'; seq?: number; emoji: string; remove: boolean }
  | { kind: 'topic'; topic: string }
  | { kind: 'who' }
  /** Show another room (`ops`) or direct conversation (`@bob`); none named: the next one with unread messages. */
  | { kind: 'switch'; target?: string }
  | { kind: 'rooms' }
  | { kind: 'quit' }
  /** Said wrong: what to print. */
  | { kind: 'usage'; text: string }

export const CHAT_COMMANDS: readonly { usage: string; summary: string }[] = [
  { usage: '/me TEXT', summary: 'an action: "* you TEXT"' },
  { usage: '/reply SEQ TEXT', summary: 'answer message SEQ (in its thread)' },
  { usage: '/edit [SEQ] TEXT', summary: 'change your last message (or SEQ)' },
  { usage: '/delete [SEQ]', summary: 'delete your last message (or SEQ)' },
  { usage: '/react [SEQ] EMOJI', summary: 'react to the last message (or SEQ); /unreact takes it back' },
  { usage: '/topic TEXT', summary: "set the room's topic (moderators)" },
  { usage: '/who', summary: "the room's members and who is online" },
  { usage: '/switch [ROOM|@USER]', summary: 'show another room or conversation (followed from then on); alone: the next unread' },
  { usage: '/rooms', summary: 'the rooms this chat follows and what is unread in each' },
  { usage: '/quit', summary: 'leave the chat' },
]

const SEQ = /^#?(\d{1,15})$/

/** `[SEQ] REST`: a leading sequence number (`12` or `#12`) when there is one. */
const seqThen = (rest: string): { seq?: number; rest: string } => {
  const [first = '', ...others] = rest.split(/\s+/)
  const m = SEQ.exec(first)
  return m ? { seq: Number(m[1]), rest: others.join(' ') } : { rest }
}

/** What the chat does with one typed line (already trimmed at the end). */
export const parseChatLine = (line: string): ChatAction => {
  if (!line.startsWith('/') || line.startsWith('//')) return { kind: 'send', text: line }
  const space = line.indexOf(' ')
  const name = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase()
  const rest = space < 0 ? '' : line.slice(space + 1).trim()
  switch (name) {
    case 'quit':
    case 'exit':
      return { kind: 'quit' }
    case 'me':
      // Stored as "/me …", the form bridges relay as actions ("//" sends a literal slash).
      return rest === '' ? { kind: 'usage', text: 'usage: /me TEXT' } : { kind: 'send', text: `//me ${rest}` }
    case 'reply': {
      const { seq, rest: text } = seqThen(rest)
      if (seq === undefined || text === '') return { kind: 'usage', text: 'usage: /reply SEQ TEXT' }
      return { kind: 'send', text: text.startsWith('/') ? `/${text}` : text, replyTo: seq }
    }
    case 'edit': {
      const { seq, rest: text } = seqThen(rest)
      if (text === '') return { kind: 'usage', text: 'usage: /edit [SEQ] TEXT' }
      return seq === undefined ? { kind: 'edit', text } : { kind: 'edit', seq, text }
    }
    case 'delete': {
      const { seq, rest: extra } = seqThen(rest)
      if (extra !== '') return { kind: 'usage', text: 'usage: /delete [SEQ]' }
      return seq === undefined ? { kind: 'delete' } : { kind: 'delete', seq }
    }
    case 'react':
    case 'unreact': {
      const { seq, rest: emoji } = seqThen(rest)
      if (emoji === '' || /\s/.test(emoji)) return { kind: 'usage', text: `usage: /${name} [SEQ] EMOJI` }
      const remove = name === 'unreact'
      return seq === undefined ? { kind: 'react', emoji, remove } : { kind: 'react', seq, emoji, remove }
    }
    case 'topic':
      return { kind: 'topic', topic: rest }
    case 'who':
      return { kind: 'who' }
    case 'switch':
      if (/\s/.test(rest)) return { kind: 'usage', text: 'usage: /switch [ROOM|@USER]' }
      return rest === '' ? { kind: 'switch' } : { kind: 'switch', target: rest }
    case 'rooms':
      return { kind: 'rooms' }
    default:
      return { kind: 'send', text: line }
  }
}
