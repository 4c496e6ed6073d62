// A picture waiting to be sent can carry a hidden message: this button opens the stego dialog
// (loaded, with the codec, on first use) and puts the resulting PNG in the picture's place.
import type { PendingFile } from './pending-files.ts'

/** Pictures the stego codec reads (PNG exactly; others through the browser's decoder). */
const PICTURE = /^image\/(png|jpeg|webp|gif|bmp)$/

export const HideOption = ({ room, file: f, onHidden }: { room: string; file: PendingFile; onHidden: (png: File) => void }) => {
  if (f.state !== 'ready' || !PICTURE.test(f.file.type)) return null
  return (
    <button
      type="button"
      class="link"
      aria-haspopup="dialog"
      aria-label={`Hide a message in ${f.file.name}`}
      onClick={(e) => {
        const opener = e.currentTarget
        void import('../stego/stego-dialogs.tsx').then((d) => d.openHideDialog(opener, room, f.file, onHidden))
      }}
    >
      hide a message
    </button>
  )
}
