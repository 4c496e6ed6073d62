// Pending invitations in the rooms list: the room, who invited the user, and an explicit Join. They
// arrive live (an `invited` event refreshes the store's list).
import type { ChatStore } from '../chat/store.ts'

export const InvitationList = ({ store, onJoin }: { store: ChatStore; onJoin: (room: string) => void }) =>
  store.invites.length === 0 ? null : (
    <>
      <h2>Invitations</h2>
      <ul class="invitations">
        {store.invites.map((i) => (
          <li key={i.room}>
            <span class="invitation">
              <span class="room-name">#{i.room}</span>
              <span class="muted">{i.by ? `invited by ${i.by}` : 'invited'}</span>
            </span>
            <button type="button" class="small" aria-label={`Join ${i.room}`} onClick={() => onJoin(i.room)}>
              Join
            </button>
          </li>
        ))}
      </ul>
    </>
  )
