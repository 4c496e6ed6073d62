// Choosing files: a button that opens the browser's file picker (a real button, so the keyboard
// reaches it; the file input itself stays hidden), and dropping files anywhere on the room view.
import type { RefObject } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

export const FilePicker = ({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled: boolean }) => {
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <button type="button" class="attach" disabled={disabled} onClick={() => input.current?.click()}>
        Attach files
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Files to attach"
        onChange={(e) => {
          onFiles([...(e.currentTarget.files ?? [])])
          e.currentTarget.value = '' // the same file may be picked again
        }}
      />
    </>
  )
}

const hasFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') ?? false

/**
 * Files dropped on the room view (the `.room` element around `inside`) go to `onFiles`; while
 * `enabled` is false they are refused (and the browser does not open them either). While files are
 * dragged over it, the room view has a `data-dropping` attribute (the stylesheet shows a hint).
 */
export const useFileDrop = (inside: RefObject<HTMLElement | null>, onFiles: (files: File[]) => void, enabled: boolean): void => {
  const latest = useRef({ onFiles, enabled })
  latest.current = { onFiles, enabled }
  useEffect(() => {
    const zone = inside.current?.closest<HTMLElement>('.room') ?? inside.current
    if (!zone) return
    let depth = 0 // dragenter and dragleave fire for every child crossed
    const show = (on: boolean) => {
      if (on && latest.current.enabled) zone.dataset.dropping = ''
      else delete zone.dataset.dropping
    }
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth++
      show(true)
    }
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault() // take the drop: without it the browser opens the file
      if (e.dataTransfer) e.dataTransfer.dropEffect = latest.current.enabled ? 'copy' : 'none'
    }
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return
      depth = Math.max(0, depth - 1)
      if (depth === 0) show(false)
    }
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth = 0
      show(false)
      if (latest.current.enabled) latest.current.onFiles([...(e.dataTransfer?.files ?? [])])
    }
    zone.addEventListener('dragenter', enter)
    zone.addEventListener('dragover', over)
    zone.addEventListener('dragleave', leave)
    zone.addEventListener('drop', drop)
    return () => {
      zone.removeEventListener('dragenter', enter)
      zone.removeEventListener('dragover', over)
      zone.removeEventListener('dragleave', leave)
      zone.removeEventListener('drop', drop)
      show(false)
    }
  }, [inside])
}
