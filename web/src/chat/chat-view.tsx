// The chat: the rooms list (unread counts, mentions, invitations, direct messages, the room
// directory and room creation) beside the open room (its topic, the timeline, who is typing, the
// composer) and, when asked for, its members. On a narrow screen the rooms list is a drawer and the
// members a dialog. End-to-end encrypted rooms carry a lock and say who can read them (and which
// verified member's devices changed); when another tab of this browser uses the device, this one
// takes over once that tab lets it go.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { RoomSummary } from '#core/protocol/messages'
import { type Me, logOut } from '../session.ts'
import type { ChatStore, RoomView } from './store.ts'
import { startChat } from './start-chat.ts'
import { Timeline } from './timeline.tsx'
import { Composer } from './composer.tsx'
import { SettingsView } from '../settings/settings-view.tsx'
import { askToNotify, notifyPermission, notifyWhileHidden } from '../notify/notifications.ts'
import { CreateRoomDialog } from '../rooms/create-room-dialog.tsx'
import { DirectList } from '../rooms/direct-list.tsx'
import { DirectoryDialog } from '../rooms/directory-dialog.tsx'
import { errorText } from '../rooms/error-text.ts'
import { InvitationList } from '../rooms/invitation-list.tsx'
import { LeaveRoomDialog } from '../rooms/leave-room-dialog.tsx'
import { MembersPanel } from '../rooms/members-panel.tsx'
import { mayLeave, mayModerate } from '../rooms/roles.ts'
import { TopicEditor } from '../rooms/topic-editor.tsx'
import { useMembers } from '../rooms/use-members.ts'
import { useNarrow } from '../rooms/use-narrow.ts'
import { useRemovedNotice } from '../rooms/use-removed-notice.ts'
import { ThreadPanel } from '../messages/thread-panel.tsx'
import { NotifyLevelSelect } from '../notify/notify-level-select.tsx'
import { SearchButton } from '../messages/search-button.tsx'
import { UnreadBadges } from '../rooms/unread-badges.tsx'
import type { DeviceLock } from '../e2e/device-lock.ts'
import { DeviceNotice } from '../e2e/device-notice.tsx'
import { EncryptionLine, LockIcon } from '../e2e/encryption-marks.tsx'
import { BrokenVerifications } from '../e2e/verification-marks.tsx'
import { VerifyButton } from '../e2e/verify-button.tsx'

/** Re-render when the store changes. */
const useStore = (store: ChatStore | undefined): void => {
  const [, setTick] = useState(0)
  useEffect(() => store?.subscribe(() => setTick((n) => n + 1)), [store])
}

export const ChatView = ({ me, onLoggedOut }: { me: Me; onLoggedOut: () => void }) => {
  const [store, setStore] = useState<ChatStore>()
  const [problem, setProblem] = useState<string>()
  const [drawer, setDrawer] = useState(false)
  const [settings, setSettings] = useState(me.restricted !== undefined)
  const [permission, setPermission] = useState(notifyPermission())
  /** The room directory or the room creation dialog, when open. */
  const [dialog, setDialog] = useState<'directory' | 'create'>()
  /** The room whose Leave asks for confirmation. */
  const [leaving, setLeaving] = useState<RoomSummary>()
  const [membersShown, setMembersShown] = useState(false)
  /** This browser's device, taken over from another tab that let it go: the chat starts again with it. */
  const [takenOver, setTakenOver] = useState<DeviceLock>()
  const membersToggle = useRef<HTMLButtonElement>(null)
  const narrow = useNarrow()
  const [removed, dismissRemoved] = useRemovedNotice(store)
  useStore(store)
  const room = store?.active === undefined ? undefined : store.rooms.get(store.active)
  const summary = room?.summary
  const membersOpen = membersShown && summary !== undefined && !settings
  const members = useMembers(store, summary?.name, membersOpen)
  // The members list knows the user's role better than the rooms list: the hub announces no role changes.
  const mine = members.list?.find((m) => m.user === me.user)?.role ?? summary?.role

  useEffect(() => {
    let stopped = false
    let made: ChatStore | undefined
    startChat(me.user, takenOver)
      .then((started) => {
        if (stopped) return void started.close()
        made = started
        setStore(started)
      })
      .catch((err: unknown) => setProblem(errorText(err)))
    return () => {
      stopped = true
      void made?.close()
    }
  }, [me.user, takenOver])

  // Another tab uses this browser's device: when it lets it go, the chat starts again with it.
  const e2e = store?.e2e.state
  useEffect(() => {
    if (e2e?.kind !== 'busy') return
    const waiting = new AbortController()
    void e2e.whenFree(waiting.signal).then((lock) => (waiting.signal.aborted ? lock.release() : setTakenOver(lock)))
    return () => waiting.abort()
  }, [e2e])

  // Mentions and direct messages notify while the tab is hidden (once the user allowed it).
  useEffect(() => {
    if (!store) return
    return notifyWhileHidden(
      store.client,
      me.user,
      // A message of a room this page does not know can only be a direct one (the hub sends a
      // connection the rooms it joined and, unasked, the user's direct conversations).
      (room) => !store.rooms.has(room) || store.rooms.get(room)?.summary?.kind === 'direct',
      (room) => void store.open(room),
    )
  }, [store, me.user])

  // The tab's title counts what is unread.
  useEffect(() => {
    if (!store) return
    const unread = store.memberRooms().reduce((n, r) => n + (r.summary?.unread ?? 0), 0)
    document.title = unread > 0 ? `(${unread}) chathub` : 'chathub'
  })

  // Back on the tab: what is on the screen is read.
  useEffect(() => {
    const seen = () => {
      if (document.visibilityState === 'visible' && store?.active) store.markRead(store.active)
    }
    document.addEventListener('visibilitychange', seen)
    return () => document.removeEventListener('visibilitychange', seen)
  }, [store])

  const act = (what: Promise<unknown>) => {
    setProblem(undefined)
    what.catch((err: unknown) => setProblem(errorText(err)))
  }

  const leave = async (everywhere: boolean) => {
    await logOut(everywhere).catch(() => {})
    await store?.close()
    onLoggedOut()
  }

  // A session the hub restricted to enrolling in two-factor login can do only that.
  if (me.restricted !== undefined) {
    return <SettingsView user={me.user} onClose={() => location.reload()} />
  }
  if (!store) {
    return <main class="loading">{problem ? <p role="alert">{problem}</p> : <p>Connecting…</p>}</main>
  }
  if (store.ended !== undefined && store.ended !== 'closed') {
    return (
      <main class="loading">
        <p role="alert">{store.ended}</p>
        <button type="button" onClick={onLoggedOut}>
          Log in
        </button>
      </main>
    )
  }
  /** A dialog opened a room: it closes, and so does the drawer. */
  const opened = () => {
    setDialog(undefined)
    setDrawer(false)
  }
  const closeMembers = () => {
    setMembersShown(false)
    if (!narrow) membersToggle.current?.focus() // the dialog on phones gives focus back by itself
  }

  return (
    <div class={`chat${drawer ? ' drawer-open' : ''}${membersOpen && !narrow ? ' with-members' : ''}`}>
      <aside class="rooms" aria-label="Rooms">
        <header>
          <strong>{me.user}</strong>
          <button type="button" class="link" onClick={() => void leave(false)}>
            Log out
          </button>
          <button type="button" class="link" onClick={() => void leave(true)} title="Log out on every device">
            Log out everywhere
          </button>
          <button type="button" class="link" aria-pressed={settings} onClick={() => setSettings(!settings)}>
            Settings
          </button>
          <SearchButton store={store} />
          {permission === 'default' && (
            <button type="button" class="link" onClick={() => void askToNotify().then(setPermission)}>
              Notify me of mentions
            </button>
          )}
        </header>
        <div class="room-tools">
          <button type="button" class="small" aria-haspopup="dialog" onClick={() => setDialog('directory')}>
            Room directory
          </button>
          <button type="button" class="small" aria-haspopup="dialog" onClick={() => setDialog('create')}>
            Create a room
          </button>
        </div>
        <nav>
          <RoomList
            store={store}
            onOpen={(name) => {
              setDrawer(false)
              act(store.open(name))
            }}
          />
          <InvitationList
            store={store}
            onJoin={(name) => {
              setDrawer(false)
              act(store.open(name))
            }}
          />
          <DirectList
            store={store}
            onOpen={(name) => {
              setDrawer(false)
              act(store.open(name))
            }}
          />
        </nav>
        <JoinForm label="Join a room" placeholder="room name" onSubmit={(name) => act(store.open(name))} />
        <JoinForm label="Direct message" placeholder="user name" onSubmit={(user) => act(store.openDirect(user))} />
      </aside>
      {settings ? (
        <SettingsView user={me.user} store={store} onClose={() => setSettings(false)} />
      ) : (
      <main class="room">
        <header class="room-header">
          <button type="button" class="drawer-toggle" aria-label="Rooms" aria-expanded={drawer} onClick={() => setDrawer(!drawer)}>
            ☰
          </button>
          <h1 id="room-title" tabIndex={-1}>
            {room ? title(room) : 'No room open'}
          </h1>
          {summary?.e2e && <LockIcon />}
          {summary?.e2e && <EncryptionLine />}
          {summary?.e2e && <BrokenVerifications store={store} room={summary.name} />}
          {room && <TopicEditor store={store} room={room} canEdit={summary !== undefined && mayModerate(summary, mine)} />}
          {summary && (
            <div class="room-actions">
              <button
                type="button"
                class="small"
                ref={membersToggle}
                aria-expanded={membersOpen}
                aria-controls={membersOpen && !narrow ? 'members-panel' : undefined}
                aria-haspopup={narrow ? 'dialog' : undefined}
                onClick={() => (membersOpen ? closeMembers() : setMembersShown(true))}
              >
                Members
              </button>
              {summary.kind === 'direct' && summary.e2e && summary.peer !== undefined && (
                <VerifyButton store={store} user={summary.peer}>
                  Verify {summary.peer}
                </VerifyButton>
              )}
              {mayLeave(summary, summary.role) && (
                <button type="button" class="small" aria-haspopup="dialog" onClick={() => setLeaving(summary)}>
                  Leave room
                </button>
              )}
              {permission === 'granted' && <NotifyLevelSelect key={summary.name} room={summary.name} direct={summary.kind === 'direct'} />}
            </div>
          )}
          {store.connection !== 'online' && (
            <p class="connection" role="status">
              Connection lost; reconnecting…
            </p>
          )}
        </header>
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <DeviceNotice store={store} room={room?.name} />
        {removed && (
          <p class="notice" role="status">
            {removed}{' '}
            <button type="button" class="link" onClick={dismissRemoved}>
              Dismiss
            </button>
          </p>
        )}
        {room ? (
          <>
            <Timeline store={store} room={room} onError={(err) => setProblem(errorText(err))} />
            <Typing names={store.typingIn(room.name)} />
            {/* An encrypted room this tab cannot use: the notice above says why. */}
            {!(store.isEncrypted(room.name) && store.e2e.problem()) && <Composer store={store} room={room.name} />}
          </>
        ) : (
          <p class="empty">Join a room or start a direct message from the list.</p>
        )}
      </main>
      )}
      {!settings && <ThreadPanel store={store} />}
      {membersOpen && (
        <MembersPanel store={store} room={summary} members={members} mine={mine} modal={narrow} onClose={closeMembers} />
      )}
      {dialog === 'directory' && <DirectoryDialog store={store} onClose={() => setDialog(undefined)} onOpened={opened} />}
      {dialog === 'create' && <CreateRoomDialog store={store} onClose={() => setDialog(undefined)} onOpened={opened} />}
      {leaving && <LeaveRoomDialog store={store} room={leaving} onClose={() => setLeaving(undefined)} />}
    </div>
  )
}

const title = (room: RoomView): string =>
  room.summary?.kind === 'direct' ? `@${room.summary.peer ?? 'removed user'}` : `#${room.name}`

const RoomList = ({ store, onOpen }: { store: ChatStore; onOpen: (name: string) => void }) => (
  <>
    <h2>Rooms</h2>
    <ul class="room-list">
      {store
        .memberRooms()
        .filter((r) => r.summary?.kind !== 'direct')
        .map((r) => {
          const unread = r.summary?.unread ?? 0
          const mentions = r.summary?.mentions ?? 0
          return (
            <li key={r.name}>
              <button
                type="button"
                class={`room-link${store.active === r.name ? ' active' : ''}${unread > 0 ? ' unread' : ''}`}
                aria-current={store.active === r.name ? 'page' : undefined}
                onClick={() => onOpen(r.name)}
              >
                <span class="room-name">{title(r)}</span>
                {r.summary?.e2e && <LockIcon />}
                <UnreadBadges unread={unread} mentions={mentions} />
              </button>
            </li>
          )
        })}
    </ul>
  </>
)

const JoinForm = ({ label, placeholder, onSubmit }: { label: string; placeholder: string; onSubmit: (value: string) => void }) => {
  const [value, setValue] = useState('')
  const input = useRef<HTMLInputElement>(null)
  return (
    <form
      class="join"
      onSubmit={(e) => {
        e.preventDefault()
        const v = value.trim()
        if (v === '') return
        onSubmit(v)
        setValue('')
      }}
    >
      <label>
        {label}
        <input ref={input} placeholder={placeholder} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
    </form>
  )
}

const Typing = ({ names }: { names: string[] }) => (
  <p class="typing" aria-live="polite">
    {names.length === 0 ? '\u00a0' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`}
  </p>
)
