// Direct conversations in the rooms list, in their own section: the other person's name, whether
// they are online (when known), and unread and mention counts as for rooms.
import type { ChatStore } from '../chat/store.ts'
import { useDirectPresence } from './use-direct-presence.ts'
import { UnreadBadges } from './unread-badges.tsx'
import { LockIcon } from '../e2e/encryption-marks.tsx'

export const DirectList = ({ store, onOpen }: { store: ChatStore; onOpen: (room: string) => void }) => {
  const online = useDirectPresence(store)
  const directs = store.memberRooms().filter((r) => r.summary?.kind === 'direct')
  if (directs.length === 0) return null
  return (
    <>
      <h2>Direct messages</h2>
      <ul class="room-list">
        {directs.map((r) => {
          const unread = r.summary?.unread ?? 0
          const mentions = r.summary?.mentions ?? 0
          const here = online.get(r.name)
          return (
            <li key={r.name}>
              <button
                type="button"
                class={`room-link${store.active === r.name ? ' active' : ''}${unread > 0 ? ' unread' : ''}`}
                aria-current={store.active === r.name ? 'page' : undefined}
                onClick={() => onOpen(r.name)}
              >
                {here !== undefined && <span class={`presence-dot${here ? ' online' : ''}`} aria-hidden="true" />}
                <span class="room-name">@{r.summary?.peer ?? 'removed user'}</span>
                {here !== undefined && <span class="visually-hidden">{here ? ', online' : ', offline'}</span>}
                {r.summary?.e2e && <LockIcon />}
                <UnreadBadges unread={unread} mentions={mentions} />
              </button>
            </li>
          )
        })}
      </ul>
    </>
  )
}
