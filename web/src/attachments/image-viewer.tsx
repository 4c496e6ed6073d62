// The full picture of an image attachment in a modal dialog (the browser's <dialog>: the rest of the
// page is inert, Escape closes it). Focus goes back to the thumbnail that opened it. Loaded on the
// first click on a thumbnail. An encrypted room's picture comes as `src`, a blob: URL of the bytes
// decrypted in this page.
import { render } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { formatSize } from './size.ts'
import type { AttachmentView } from '#core/protocol/messages'
import { attachmentUrl } from './message-attachments.tsx'

/** What browsers show in an <img>; other images (TIFF) show their thumbnail here, and download. */
const VIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Show `attachment` (or the picture at `src`) until the dialog closes, then give the focus back to `opener`. */
export const openViewer = (attachment: AttachmentView, opener: HTMLElement, src?: string): void => {
  const host = document.body.appendChild(document.createElement('div'))
  const close = () => {
    render(null, host)
    host.remove()
    opener.focus()
  }
  render(<ImageViewer attachment={attachment} src={src} onClosed={close} />, host)
}

const ImageViewer = ({ attachment: a, src, onClosed }: { attachment: AttachmentView; src: string | undefined; onClosed: () => void }) => {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const full = VIEWABLE.has(a.mime)
  return (
    <dialog
      ref={dialog}
      class="viewer"
      aria-modal="true"
      aria-labelledby="viewer-title"
      onClose={onClosed}
      onClick={(e) => {
        if (e.target === e.currentTarget) e.currentTarget.close() // a click on the backdrop
      }}
    >
      <div class="viewer-body">
      <header>
        <h2 id="viewer-title">{a.name}</h2>
        <span class="file-size">
          {a.width !== undefined && `${a.width}×${a.height}, `}
          {formatSize(a.size)}
        </span>
        <a href={src ?? attachmentUrl(a.id)} download={a.name}>
          Download
        </a>
        <button type="button" autoFocus onClick={() => dialog.current?.close()}>
          Close
        </button>
      </header>
      <img src={src ?? attachmentUrl(a.id, full ? undefined : 'thumbnail')} alt={a.name} width={a.width} height={a.height} />
      </div>
    </dialog>
  )
}
