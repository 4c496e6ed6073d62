// @name completion in a composer: "@" and the start of a name before the caret offer the room's
// members (asked once per room: store.memberNames); ↑/↓ choose, Tab or Enter puts "@name " in the
// text, Escape dismisses it until the next "@". The text field keeps the focus: the list is its
// aria-controls and the chosen name its aria-activedescendant.
import type { RefObject } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { ChatStore } from '../chat/store.ts'

/** At most this many names are offered. */
const SHOWN = 8
/** "@" and the start of a name right before the caret, on its own as the hub reads mentions (not in bob@example.org). */
const TOKEN = /(?:^|[\s([{,;:!?'"])@([a-z0-9][a-z0-9._-]*)?$/i

interface Token {
  /** Where the "@" is. */
  start: number
  /** What follows it, lower case. */
  prefix: string
}

const tokenAt = (text: string, caret: number): Token | undefined => {
  const match = TOKEN.exec(text.slice(0, caret))
  if (!match) return undefined
  const prefix = match[1] ?? ''
  return { start: caret - prefix.length - 1, prefix: prefix.toLowerCase() }
}

export interface MentionCompletion {
  /** The names offered; empty while the list is closed. */
  options: string[]
  active: number
  listId: string
  /** After the text or the caret moved. */
  update(text: string, caret: number): void
  /** A key in the text field; true when the completion took it (the field must not act on it too). */
  onKeyDown(e: KeyboardEvent): boolean
  accept(name: string): void
}

export const useMentionCompletion = (
  store: ChatStore,
  room: string,
  field: RefObject<HTMLTextAreaElement | null>,
  text: string,
  setText: (text: string) => void,
  listId: string,
): MentionCompletion => {
  const [token, setToken] = useState<Token>()
  const [members, setMembers] = useState<{ room: string; names: string[] }>()
  const [active, setActive] = useState(0)
  /** Where the "@" of a dismissed completion is: it stays closed until that token is gone. */
  const dismissed = useRef<number | undefined>(undefined)
  /** Where the caret goes once an accepted name is in the text. */
  const caret = useRef<number | undefined>(undefined)

  useLayoutEffect(() => {
    const el = field.current
    if (caret.current === undefined || !el) return
    el.setSelectionRange(caret.current, caret.current)
    caret.current = undefined
  })

  const summary = store.rooms.get(room)?.summary
  // @room mentions everyone, from a moderator or the owner (in a direct conversation there is no need).
  const everyone = summary?.kind !== 'direct' && (summary?.role === 'owner' || summary?.role === 'moderator') ? ['room'] : []
  const candidates = members?.room === room ? [...members.names.filter((n) => n !== store.me), ...everyone] : []
  let options = token ? candidates.filter((n) => n.startsWith(token.prefix)).slice(0, SHOWN) : []
  // The whole name typed already: nothing to complete (Enter sends).
  if (options.length === 1 && options[0] === token?.prefix) options = []
  const chosen = Math.min(active, Math.max(0, options.length - 1))

  const accept = (name: string) => {
    const el = field.current
    if (!token || !el) return
    const end = token.start + 1 + token.prefix.length
    const inserted = `@${name} `
    setText(text.slice(0, token.start) + inserted + text.slice(end))
    caret.current = token.start + inserted.length
    setToken(undefined)
  }

  return {
    options,
    active: chosen,
    listId,
    update(value, at) {
      const next = tokenAt(value, at)
      if (!next || next.start !== dismissed.current) dismissed.current = undefined
      if (!next || dismissed.current !== undefined) return setToken(undefined)
      if (next.start !== token?.start || next.prefix !== token.prefix) setActive(0)
      setToken(next)
      // Asked of the hub once per room (and again after someone joined or left): see store.memberNames.
      store.memberNames(room).then(
        (names) => setMembers((known) => (known?.room === room && known.names === names ? known : { room, names })),
        () => {},
      )
    },
    onKeyDown(e) {
      if (options.length === 0 || e.isComposing) return false
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        setActive((chosen + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length)
      } else if ((e.key === 'Tab' || e.key === 'Enter') && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
        accept(options[chosen] ?? '')
      } else if (e.key === 'Escape') {
        dismissed.current = token?.start
        setToken(undefined)
        e.stopPropagation()
      } else {
        return false
      }
      e.preventDefault()
      return true
    },
    accept,
  }
}

/** The names offered, above the text field; a click (or a tap) takes one. */
export const MentionList = ({ completion: c }: { completion: MentionCompletion }) => {
  if (c.options.length === 0) return null
  return (
    <ul class="completion" id={c.listId} role="listbox" aria-label="Mention someone">
      {c.options.map((name, i) => (
        <li
          key={name}
          id={`${c.listId}-${i}`}
          role="option"
          aria-selected={i === c.active}
          class={i === c.active ? 'active' : undefined}
          onMouseDown={(e) => {
            e.preventDefault() // the text field keeps the focus
            c.accept(name)
          }}
        >
          @{name}
        </li>
      ))}
    </ul>
  )
}
