// A modal dialog (the browser's <dialog> with showModal: the rest of the page is inert, Escape
// closes it, focus stays inside). Its title names it; Close and a click on the backdrop close it
// too. When it goes, focus returns to what opened it, or to what `returnFocus` names (the opener
// may be gone: the Leave button of a room just left).
import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'

interface ModalProps {
  title: string
  onClose: () => void
  /** Where focus goes when the dialog is gone; undefined: back to the opener. */
  returnFocus?: () => HTMLElement | null | undefined
  class?: string
  children: ComponentChildren
}

export const Modal = ({ title, onClose, returnFocus, class: className, children }: ModalProps) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  // What had the focus when the dialog opened (read on the first render, before showModal moves it).
  const opener = useRef(document.activeElement)
  const back = useRef(returnFocus)
  back.current = returnFocus

  useEffect(() => {
    dialog.current?.showModal()
    return () => {
      const target = back.current?.() ?? opener.current
      if (target instanceof HTMLElement && target.isConnected) target.focus()
    }
  }, [])

  return (
    <dialog
      ref={dialog}
      class={`modal${className ? ` ${className}` : ''}`}
      aria-modal="true"
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(e) => {
        if (e.target === e.currentTarget) e.currentTarget.close() // a click on the backdrop
      }}
    >
      <div class="modal-body">
        <header class="modal-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" class="link" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </header>
        {children}
      </div>
    </dialog>
  )
}
