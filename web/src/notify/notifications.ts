// Browser notifications for mentions and direct messages while the tab is hidden (with the user's
// permission, asked for by a button, never on load). Clicking one brings the tab and the room back.
import type { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'

export type NotifyPermission = 'granted' | 'denied' | 'default' | 'unsupported'

export const notifyPermission = (): NotifyPermission => ('Notification' in globalThis ? Notification.permission : 'unsupported')

/** Ask the browser (from a click: browsers ignore requests without a user gesture). */
export const askToNotify = async (): Promise<NotifyPermission> =>
  'Notification' in globalThis ? await Notification.requestPermission() : 'unsupported'

const EXCERPT = 140

/**
 * Notify while the tab is hidden: a message that mentions the user, or any message in a direct
 * conversation that is not theirs. `open(room)` shows the room when a notification is clicked.
 * Returns a function that stops it.
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
    if (!mentioned && !direct) return
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
