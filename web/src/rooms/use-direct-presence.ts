// Whether the other person of each direct conversation is online. Following a conversation (a
// `join`, one small frame each) gives its `online` list at once and `presence` events afterwards,
// so the rooms list can show it without asking again (and again after a reconnect). At most
// FOLLOWED conversations are followed.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { EventOf } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'

const FOLLOWED = 50

/** Room name to "the peer is online"; rooms not known yet are absent. */
export const useDirectPresence = (store: ChatStore): ReadonlyMap<string, boolean> => {
  const [online, setOnline] = useState<ReadonlyMap<string, boolean>>(new Map())
  const asked = useRef(new Set<string>())
  const peers = new Map(
    store
      .memberRooms()
      .filter((r) => r.summary?.kind === 'direct' && r.summary.peer !== undefined)
      .slice(0, FOLLOWED)
      .map((r) => [r.name, r.summary?.peer ?? '']),
  )
  const key = [...peers].join(',')
  const connected = store.connection === 'online'

  useEffect(() => {
    // After a reconnect, what happened meanwhile is unknown: ask again.
    if (!connected) return void asked.current.clear()
    const set = (room: string, value: boolean) =>
      setOnline((known) => (known.get(room) === value ? known : new Map(known).set(room, value)))
    for (const [room, peer] of peers) {
      if (asked.current.has(room)) continue
      asked.current.add(room)
      store.client.join(room).then(
        (ack) => set(room, ack.online.includes(peer)),
        () => asked.current.delete(room),
      )
    }
    const onPresence = (e: EventOf<'presence'>) => {
      if (peers.get(e.room) === e.user) set(e.room, e.status === 'online')
    }
    store.client.on('presence', onPresence)
    return () => void store.client.off('presence', onPresence)
  }, [store, key, connected]) // `key` names the conversations and their peers

  return online
}
