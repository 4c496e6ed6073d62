// Browser notifications while the tab is hidden (with the user's permission, asked for by a button,
// never on load), per room as the user chose in this browser: every message, mentions of you only
// (the default for rooms), or nothing; direct conversations default to every message. Clicking one
// brings the tab and the room back.
import type { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'

export type NotifyPermission = 'granted' | 'denied' | 'default' | 'unsupported'

export const notifyPermission = (): NotifyPermission => ('Notification' in globalThis ? Notification.permission : 'unsupported')

/** Ask the browser (from a click: browsers ignore requests without a user gesture). */
export const askToNotify = async (): Promise<NotifyPermission> =>
  'Notification' in globalThis ? await Notification.requestPermission() : 'unsupported'

const EXCERPT = 140

/** What a room notifies of. */
export type NotifyLevel = 'all' | 'mentions' | 'none'
export const NOTIFY_LEVELS: readonly { level: NotifyLevel; label: string }[] = [
  { level: 'all', label: 'Every message' },
  { level: 'mentions', label: 'Mentions of me' },
  { level: 'none', label: 'Nothing' },
]
const LEVEL_PREFIX = 'chathub.notify.'

/** The level chosen for a room in this browser, or the default (direct: all; rooms: mentions). */
export const notifyLevel = (room: string, direct: boolean): NotifyLevel => {
  const chosen = localStorage.getItem(LEVEL_PREFIX + room)
  return chosen === 'all' || chosen === 'mentions' || chosen === 'none' ? chosen : direct ? 'all' : 'mentions'
}

export const setNotifyLevel = (room: string, level: NotifyLevel): void => localStorage.setItem(LEVEL_PREFIX + room, level)

/**
 * Notify while the tab is hidden, of what each room's level asks (a message of someone else; for
 * `mentions`, only one that names the user or @room). `open(room)` shows the room when a
 * notification is clicked. Returns a function that stops it.
 */
export const notifyWhileHidden = (
  client: ChatClient,
  me: string,
  isDirect: (room: string) => boolean,
  open: (room: string) => void,
): (() => void) => {
  const onMessage = (m: EventOf<'message'>) => {
    if (document.visibilityState === 'visible' || notifyPermission() !== 'granted') return
    if (m.from === me || m.text === null) return
    const mentioned = m.mentions?.includes(me) || m.mentions?.includes('@room')
    const direct = isDirect(m.room)
    const level = notifyLevel(m.room, direct)
    if (level === 'none' || (level === 'mentions' && !mentioned)) return
    const text = m.text.length > EXCERPT ? `${m.text.slice(0, EXCERPT)}…` : m.text
    const notification = new Notification(direct ? m.from : `${m.from} in #${m.room}`, { body: text, tag: `${m.room}#${m.seq}` })
    notification.onclick = () => {
      globalThis.focus()
      open(m.room)
      notification.close()
    }
  }
  client.on('message', onMessage)
  return () => client.off('message', onMessage)
}
