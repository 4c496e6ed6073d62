// "Verify USER": opens the safety number dialog (verify-dialog.tsx), which is loaded on first use,
// not with the chat. On a member of an encrypted room, in an encrypted direct conversation, and in
// the warning about a verified user whose devices changed (useVerifyDialog: that dialog stays open
// when the warning goes, once the new number is confirmed).
import type { ComponentChildren, ComponentType, VNode } from 'preact'
import { useState } from 'preact/hooks'
import type { ChatStore } from '../chat/store.ts'
import type { VerifyDialogProps } from './verify-dialog.tsx'

export interface VerifyDialogHost {
  /** Show the dialog for `user` (loading it the first time). */
  open: (user: string) => void
  /** The dialog while open (and why it did not load): to render where it stays mounted. */
  dialog: VNode
}

/** One verify dialog at a time; `returnFocus`: where focus goes after it when its opener is gone. */
export const useVerifyDialog = (store: ChatStore, returnFocus?: () => HTMLElement | null): VerifyDialogHost => {
  const [Dialog, setDialog] = useState<ComponentType<VerifyDialogProps>>()
  const [user, setUser] = useState<string>()
  const [problem, setProblem] = useState<string>()
  const open = (who: string) => {
    if (Dialog) return setUser(who)
    import('./verify-dialog.tsx').then(
      (loaded) => {
        setDialog(() => loaded.VerifyDialog)
        setUser(who)
      },
      (err: unknown) => setProblem(`Verification did not load: ${String(err)}`),
    )
  }
  const dialog = (
    <>
      {problem !== undefined && (
        <span class="error" role="alert">
          {problem}
        </span>
      )}
      {Dialog && user !== undefined && (
        <Dialog store={store} user={user} onClose={() => setUser(undefined)} {...(returnFocus ? { returnFocus } : {})} />
      )}
    </>
  )
  return { open, dialog }
}

interface VerifyButtonProps {
  store: ChatStore
  user: string
  class?: string
  /** The button's text (default "Verify"); its accessible name names the user. */
  children?: ComponentChildren
}

export const VerifyButton = ({ store, user, class: className = 'small', children = 'Verify' }: VerifyButtonProps) => {
  const { open, dialog } = useVerifyDialog(store)
  return (
    <>
      <button type="button" class={className} aria-haspopup="dialog" aria-label={`Verify ${user}`} onClick={() => open(user)}>
        {children}
      </button>
      {dialog}
    </>
  )
}
