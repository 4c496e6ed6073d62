// "Search messages": opens the search dialog, which is loaded on the first click (it is not in the
// initial JS) and keeps its query and results between openings. Mounted once,
// `<SearchButton store={store} />`.
import type { ComponentType } from 'preact'
import { useState } from 'preact/hooks'
import type { ChatStore } from '../chat/store.ts'
import type { SearchDialogProps } from './search-dialog.tsx'

export const SearchButton = ({ store }: { store: ChatStore }) => {
  const [Dialog, setDialog] = useState<ComponentType<SearchDialogProps>>()
  const [open, setOpen] = useState(false)
  const [problem, setProblem] = useState<string>()
  return (
    <>
      <button
        type="button"
        class="link search-button"
        aria-haspopup="dialog"
        onClick={() => {
          if (Dialog) return setOpen(true)
          import('./search-dialog.tsx').then(
            (loaded) => {
              setDialog(() => loaded.SearchDialog)
              setOpen(true)
            },
            (err: unknown) => setProblem(`Search did not load: ${String(err)}`),
          )
        }}
      >
        Search messages
      </button>
      {problem !== undefined && (
        <span class="error" role="alert">
          {problem}
        </span>
      )}
      {Dialog && <Dialog store={store} open={open} onOpen={() => setOpen(true)} onClose={() => setOpen(false)} />}
    </>
  )
}
