// The app: who is logged in decides the view — the login form, or the chat.
import { useEffect, useState } from 'preact/hooks'
import { ChatView } from './chat/chat-view.tsx'
import { LoginView } from './login/login-view.tsx'
import { type Me, whoAmI } from './session.ts'

export const App = () => {
  const [me, setMe] = useState<Me | undefined | 'loading'>('loading')
  const [problem, setProblem] = useState<string>()
  useEffect(() => {
    whoAmI().then(setMe, (err: unknown) => {
      setMe(undefined)
      setProblem(`The hub did not answer: ${String(err)}`)
    })
  }, [])
  if (me === 'loading') return <p class="loading">Loading…</p>
  if (me === undefined) return <LoginView onLoggedIn={setMe} problem={problem} />
  return <ChatView me={me} onLoggedOut={() => setMe(undefined)} />
}
