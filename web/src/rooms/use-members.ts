// A room's members with their roles and whether they are online, kept live while shown: presence
// events move the online flags, joined/left events (kicks and bans show as left) load the list
// again. The hub announces no role changes, so the list is loaded again on every open and after
// each change made here; when it shows the user's own role changed, the rooms list is refreshed.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { EventOf, MemberView } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { errorText } from './error-text.ts'
import { byRank } from './roles.ts'

export interface Members {
  list: MemberView[] | undefined
  error: string | undefined
  /** Load the list again (after a change the hub does not announce: a role). */
  reload: () => void
}

/** The members of `room` while `shown`; nothing is asked or followed otherwise. */
export const useMembers = (store: ChatStore | undefined, room: string | undefined, shown: boolean): Members => {
  const [list, setList] = useState<MemberView[]>()
  const [error, setError] = useState<string>()
  const loadAgain = useRef<() => void>(() => {})

  useEffect(() => {
    setList(undefined)
    setError(undefined)
    if (!store || !shown || room === undefined) return
    let live = true
    const load = () =>
      store.client.members(room).then(
        ({ members }) => {
          if (!live) return
          setList([...members].sort(byRank))
          setError(undefined)
          const summary = store.rooms.get(room)?.summary
          const mine = members.find((m) => m.user === store.me)?.role
          if (summary && mine !== summary.role) void store.refreshRooms()
        },
        (err: unknown) => live && setError(errorText(err)),
      )
    const onPresence = (e: EventOf<'presence'>) => {
      if (e.room !== room) return
      const online = e.status === 'online'
      setList((members) => members?.map((m) => (m.user === e.user && m.online !== online ? { ...m, online } : m)))
    }
    const onMembership = (e: EventOf<'joined'> | EventOf<'left'>) => {
      if (e.room === room) void load()
    }
    loadAgain.current = () => void load()
    void load()
    store.client.on('presence', onPresence)
    store.client.on('joined', onMembership)
    store.client.on('left', onMembership)
    return () => {
      live = false
      loadAgain.current = () => {}
      store.client.off('presence', onPresence)
      store.client.off('joined', onMembership)
      store.client.off('left', onMembership)
    }
  }, [store, room, shown])

  return { list, error, reload: () => loadAgain.current() }
}
