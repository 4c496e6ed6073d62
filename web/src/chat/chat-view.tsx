// The chat: the rooms list (unread counts, mentions, invitations, join and direct messages) beside
// the open room (its topic, the timeline, who is typing, the composer). On a narrow screen the rooms
// list is a drawer.
import { useEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import { type Me, connect, logOut } from '../session.ts'
import { ChatStore, type RoomView } from './store.ts'
import { Timeline } from './timeline.tsx'
import { Composer } from './composer.tsx'
import { SettingsView } from '../settings/settings-view.tsx'

/** Re-render when the store changes. */
const useStore = (store: ChatStore | undefined): void => {
  const [, setTick] = useState(0)
  useEffect(() => store?.subscribe(() => setTick((n) => n + 1)), [store])
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

export const ChatView = ({ me, onLoggedOut }: { me: Me; onLoggedOut: () => void }) => {
  const [store, setStore] = useState<ChatStore>()
  const [problem, setProblem] = useState<string>()
  const [drawer, setDrawer] = useState(false)
  const [settings, setSettings] = useState(me.restricted !== undefined)
  useStore(store)

  useEffect(() => {
    let stopped = false
    let made: ChatStore | undefined
    connect()
      .then(async (client) => {
        if (stopped) return void client.close()
        made = new ChatStore(client, me.user)
        await made.refreshRooms()
        const first = made.memberRooms()[0]
        if (first) await made.open(first.name)
        setStore(made)
      })
      .catch((err: unknown) => setProblem(errorText(err)))
    return () => {
      stopped = true
      void made?.close()
    }
  }, [me.user])

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
  const room = store.active === undefined ? undefined : store.rooms.get(store.active)

  return (
    <div class={`chat${drawer ? ' drawer-open' : ''}`}>
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
        </header>
        <RoomList
          store={store}
          onOpen={(name) => {
            setDrawer(false)
            act(store.open(name))
          }}
        />
        <JoinForm label="Join a room" placeholder="room name" onSubmit={(name) => act(store.open(name))} />
        <JoinForm label="Direct message" placeholder="user name" onSubmit={(user) => act(store.openDirect(user))} />
      </aside>
      {settings ? (
        <SettingsView user={me.user} onClose={() => setSettings(false)} />
      ) : (
      <main class="room">
        <header class="room-header">
          <button type="button" class="drawer-toggle" aria-label="Rooms" aria-expanded={drawer} onClick={() => setDrawer(!drawer)}>
            ☰
          </button>
          <h1>{room ? title(room) : 'No room open'}</h1>
          {room?.summary?.topic ? <p class="topic">{room.summary.topic}</p> : null}
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
        {room ? (
          <>
            <Timeline store={store} room={room} onError={(err) => setProblem(errorText(err))} />
            <Typing names={store.typingIn(room.name)} />
            <Composer store={store} room={room.name} />
          </>
        ) : (
          <p class="empty">Join a room or start a direct message from the list.</p>
        )}
      </main>
      )}
    </div>
  )
}

const title = (room: RoomView): string =>
  room.summary?.kind === 'direct' ? `@${room.summary.peer ?? 'removed user'}` : `#${room.name}`

const RoomList = ({ store, onOpen }: { store: ChatStore; onOpen: (name: string) => void }) => (
  <nav>
    <ul class="room-list">
      {store.memberRooms().map((r) => {
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
              {mentions > 0 && (
                <span class="badge mention-badge" aria-label={`${mentions} mentions`}>
                  @{mentions}
                </span>
              )}
              {unread > 0 && (
                <span class="badge" aria-label={`${unread} unread`}>
                  {unread}
                </span>
              )}
            </button>
          </li>
        )
      })}
    </ul>
    {store.invites.length > 0 && (
      <>
        <h2>Invitations</h2>
        <ul class="room-list">
          {store.invites.map((i) => (
            <li key={i.room}>
              <button type="button" class="room-link" onClick={() => onOpen(i.room)}>
                #{i.room} {i.by ? `from ${i.by}` : ''}
              </button>
            </li>
          ))}
        </ul>
      </>
    )}
  </nav>
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
