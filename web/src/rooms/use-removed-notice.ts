// When a moderator (or an admin) takes the user out of a room: the store drops the room; this says
// so, in words, until dismissed.
import { useEffect, useState } from 'preact/hooks'
import type { EventOf } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'

export const useRemovedNotice = (store: ChatStore | undefined): [string | undefined, () => void] => {
  const [notice, setNotice] = useState<string>()
  useEffect(() => {
    if (!store) return
    const removed = (e: EventOf<'kicked'>) => {
      const how = e.banned ? 'banned from' : 'removed from'
      setNotice(`You were ${how} #${e.room} by ${e.by}${e.reason ? `: ${e.reason}` : '.'}`)
    }
    store.client.on('kicked', removed)
    return () => void store.client.off('kicked', removed)
  }, [store])
  return [notice, () => setNotice(undefined)]
}
