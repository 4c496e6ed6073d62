// The members of the open room: who they are, their role, whether they are online (live), and for
// those allowed, inviting someone, kicking, banning and unbanning, roles and read receipts. A side
// panel beside the room on wide screens, a dialog on phones.
import { useEffect, useRef } from 'preact/hooks'
import type { RoleName, RoomSummary } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { MemberRow } from './member-row.tsx'
import { Modal } from './modal.tsx'
import { NameForm } from './name-form.tsx'
import { ReceiptsToggle } from './receipts-toggle.tsx'
import { mayInvite, mayModerate } from './roles.ts'
import type { Members } from './use-members.ts'

interface MembersPanelProps {
  store: ChatStore
  room: RoomSummary
  members: Members
  /** The user's role: from the members list when loaded (fresher), else the rooms list. */
  mine: RoleName | undefined
  /** A dialog (phones) rather than a side panel. */
  modal: boolean
  onClose: () => void
}

export const MembersPanel = ({ store, room, members, mine, modal, onClose }: MembersPanelProps) => {
  const heading = useRef<HTMLHeadingElement>(null)
  // Opened beside the room: focus goes into it (the dialog on phones does this by itself).
  useEffect(() => {
    if (!modal) heading.current?.focus()
  }, [modal])
  const body = (
    <>
      {members.list === undefined ? (
        !members.error && <p role="status">Loading…</p>
      ) : (
        <>
          <p class="muted">
            {members.list.length} {members.list.length === 1 ? 'member' : 'members'}, {members.list.filter((m) => m.online).length}{' '}
            online
          </p>
          <ul class="member-list" aria-label="Members">
            {members.list.map((m) => (
              <MemberRow
                key={m.user}
                store={store}
                room={room}
                member={m}
                mine={mine}
                onChanged={(gone) => {
                  members.reload()
                  if (gone) heading.current?.focus()
                }}
              />
            ))}
          </ul>
        </>
      )}
      {members.error && (
        <p class="error" role="alert">
          {members.error}
        </p>
      )}
      {mayInvite(room, mine) && (
        <NameForm
          label="Invite someone"
          action="Invite"
          onSubmit={async (user) => {
            await store.client.invite(room.name, user)
            return `Invited ${user}: they can join from their invitations.`
          }}
        />
      )}
      {mayModerate(room, mine) && (
        <>
          <NameForm
            label="Unban someone"
            action="Unban"
            onSubmit={async (user) => {
              await store.client.unban(room.name, user)
              return `${user} may join again.`
            }}
          />
          <ReceiptsToggle store={store} room={room} />
        </>
      )}
    </>
  )

  if (modal) {
    return (
      <Modal title={`Members of #${room.name}`} class="members-dialog" onClose={onClose}>
        <h3 class="visually-hidden" tabIndex={-1} ref={heading}>
          Members
        </h3>
        {body}
      </Modal>
    )
  }
  return (
    <aside id="members-panel" class="members-panel" aria-labelledby="members-title">
      <header class="modal-header">
        <h2 id="members-title" tabIndex={-1} ref={heading}>
          Members
        </h2>
        <button type="button" class="link" aria-label="Close the members panel" onClick={onClose}>
          Close
        </button>
      </header>
      {body}
    </aside>
  )
}
